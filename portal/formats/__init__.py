"""Django's formats where the site's differ from Django's own (`FORMAT_MODULE_PATH`).

Only English is here: Django's `en` is American (month first, 12-hour
clock), the site's English is British, day first like its French. Django's
`fr` formats are kept as they are.
"""
