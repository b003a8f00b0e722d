"""localstripe for the bench: its store kept in memory, listening on 127.0.0.1 only.

`python -m bench.localstripe_launcher --port N`. localstripe pickles its
whole store to /tmp/localstripe.pickle on every write and after every
POST, PUT and DELETE: the file grows with each PaymentIntent, so the
checkout scenario would partly measure localstripe writing files. The bench
needs no store that outlives the process, so saving is made a no-op. Its
own `start()` also binds every interface (`::`); the bench binds loopback.
"""

import argparse
import logging
import socket

from localstripe import resources, server


def _no_save(self) -> None:
    """The store lives as long as the process."""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    resources.Store.dump_to_disk = _no_save
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    logging.basicConfig(level=logging.WARNING)
    # No access log: a line per request would cost localstripe more than some of its answers.
    server.web.run_app(server.app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
