"""Run localstripe (the fake Stripe of development) on 127.0.0.1 only.

localstripe's own `localstripe` command listens on every interface (`::`,
IPv4 and IPv6) and has no option to choose: anyone on the same network
could then call its unauthenticated `/_config/webhooks/...` endpoint and
send our webhook wherever they like, or read the test payments. This
launcher serves localstripe's own aiohttp application (`localstripe.server.app`,
everything its `start()` sets up) on a socket bound to the loopback only.

    python -m portal.localstripe_launcher --port 8420 [--from-scratch]
"""

import argparse
import logging
import socket

LOOPBACK = "127.0.0.1"


def loopback_socket(port: int, host: str = LOOPBACK) -> socket.socket:
    """A TCP socket bound to `host` (the IPv4 loopback), not yet listening; port 0 picks a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="localstripe, listening on 127.0.0.1 only.")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--from-scratch", action="store_true", help="Forget the data of the previous run.")
    return parser.parse_args(argv)


def refuse_pages_configuring(web):
    """An aiohttp middleware: `/_config/` (webhooks, data) only for callers that are not web pages.

    localstripe answers every Origin with permissive CORS headers, so any
    page the developer opens could otherwise repoint the webhook or wipe the
    data. Browsers send Origin on such requests; devserver and the tests do not.
    """

    @web.middleware
    async def guard(request, handler):
        if request.path.startswith("/_config") and "Origin" in request.headers:
            return web.Response(status=403, text="localstripe's configuration is not for web pages.\n")
        return await handler(request)

    return guard


def main(argv=None) -> None:
    """What localstripe's `start()` does, but on `loopback_socket`."""
    # Imported here: localstripe is a development tool, the rest of the portal never needs it.
    from localstripe import server

    args = parse_args(argv)
    if not args.from_scratch:
        server.store.try_load_from_disk()
    server.app.middlewares.append(refuse_pages_configuring(server.web))
    sock = loopback_socket(args.port)
    access_log = logging.getLogger("aiohttp.access")
    access_log.setLevel(logging.DEBUG)
    access_log.addHandler(logging.StreamHandler())
    # localstripe's own aiohttp module, so that the app and its runner are of one version.
    server.web.run_app(server.app, sock=sock, access_log=access_log, print=None)


if __name__ == "__main__":
    main()
