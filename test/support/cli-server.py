#!/usr/bin/python3
"""Runs the real `zun` or `openstack` CLI (Debian python3-zunclient and python3-openstackclient,
unmodified) for the end-to-end tests without paying its start-up on every call.

/usr/bin/zun is `sys.exit(zunclient.shell.main())`, /usr/bin/openstack the same with
openstackclient.shell. Most of a call's second is Python importing the client, keystoneauth1
and their dependencies; the work against the API is a few tens of milliseconds. This server
(`cli-server.py zun|openstack SOCKET`) imports the client's shell once, then for each request
forks: the child gets the request's arguments, environment and working directory, /dev/null as
stdin, and files as stdout and stderr, and runs the same main() that the program in /usr/bin
runs, in a process of its own. Nothing a call does reaches the next one: each starts from the
state right after the import.

Protocol, on the Unix socket: one JSON line per connection,
{"argv": [...], "env": {...}, "cwd": "..."}; the answer is one JSON line, {"code", "out", "err"},
and the connection closes. A call that runs over 120 s is killed by its own alarm (the
connection closes without an answer). The server exits when its stdin closes, i.e. when the
test process that started it is gone.
"""
import importlib
import json
import os
import select
import signal
import socket
import sys
import tempfile
import traceback

PROGRAMS = {"zun": "zunclient.shell", "openstack": "openstackclient.shell"}
PROGRAM = sys.argv[1]
SHELL = importlib.import_module(PROGRAMS[PROGRAM])  # the import this server exists to do once

CALL_TIMEOUT_S = 120


def serve_one(conn: socket.socket) -> None:
    """In the forked child: reads the request, runs the CLI, answers, and exits."""
    code = 1
    try:
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                os._exit(1)
            data += chunk
        req = json.loads(data)
        signal.alarm(CALL_TIMEOUT_S)
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        os.environ.clear()
        os.environ.update(req["env"])
        os.chdir(req.get("cwd") or "/")
        sys.argv = ["/usr/bin/" + PROGRAM] + req["argv"]
        try:
            result = SHELL.main()
            code = result if isinstance(result, int) else (0 if result is None else 1)
        except SystemExit as e:
            # As the interpreter does at exit: a message goes to stderr with status 1.
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        answer = {
            "code": code,
            "out": out.read().decode("utf-8", "replace"),
            "err": err.read().decode("utf-8", "replace"),
        }
        conn.sendall((json.dumps(answer) + "\n").encode())
    finally:
        os._exit(code)


def main() -> None:
    path = sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    # Children are reaped by the kernel; their answers go over their own connections.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([srv, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 4096):
            os.unlink(path)
            os.rmdir(os.path.dirname(path))
            os._exit(0)
        if srv in readable:
            conn, _ = srv.accept()
            if os.fork() == 0:
                srv.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                serve_one(conn)
            conn.close()


if __name__ == "__main__":
    main()
