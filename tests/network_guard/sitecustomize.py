"""No-network guard for tests/test_no_network.py: put this folder first on PYTHONPATH and set ASSAY_NETWORK_LOG.

Python imports `sitecustomize` at start-up, so every interpreter started with that environment installs the hook
below before any of Assay's code runs: the process under test and every child it starts (a multiprocessing
"spawn" worker for the model, a subprocess), since children inherit the environment. An audit hook cannot be
removed once installed (PEP 578), so nothing the audit imports can switch it off.

Every network attempt is appended to the file ASSAY_NETWORK_LOG (one line: pid, event, arguments) and then
refused with an OSError; the log is written before raising, so an attempt whose error some library catches and
ignores is still recorded. What counts: connecting or sending to, or binding, an internet (non-AF_UNIX) socket;
resolving a host name; urllib, http.client and the other standard-library clients opening a connection; opening
a web browser. Local IPC over AF_UNIX sockets and socket pairs (multiprocessing's pipes) is allowed.
"""
import os
import sys

_LOG = os.environ.get("ASSAY_NETWORK_LOG")
_SOCKET_EVENTS = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"}
_NAME_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
                "socket.getnameinfo"}
_CLIENT_EVENTS = {"urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "poplib.connect",
                  "imaplib.open", "nntplib.connect", "telnetlib.Telnet.open", "webbrowser.open"}
_AF_UNIX = 1


def _record(event, args):
    line = f"{os.getpid()} {event} {args!r}".replace("\n", " ") + "\n"
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _hook(event, args):
    if event in _SOCKET_EVENTS:
        family = getattr(args[0], "family", None)
        if family == _AF_UNIX or isinstance(args[1], (str, bytes)):  # a path: a local AF_UNIX address
            return
    elif event not in _NAME_EVENTS and event not in _CLIENT_EVENTS:
        return
    _record(event, args[1:] if event in _SOCKET_EVENTS else args)
    raise OSError(f"network access refused by tests/network_guard ({event})")


if _LOG:
    _record("guard.installed", (sys.executable,))
    sys.addaudithook(_hook)
