"""Create the first administrator: ``python -m gateway.create_admin USERNAME``
(``make admin USERNAME=...``).

The password comes from ADMIN_PASSWORD or is asked for twice on the terminal;
it needs at least 12 characters. The database is the one ``make run`` gives
the gateway: MONGO_URI when set, else the local server on LOCAL_MONGO_PORT or,
unset, on the port the last ``make run`` used; GATEWAY_MONGO_DATABASE
(``gateway``).
"""
import argparse
import getpass
import os
import sys
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import ConnectionFailure

from college_platform.errors import Conflict
from college_platform.settings import local_mongo_uri
from gateway.auth import ADMIN
from gateway.users import create_user

MIN_PASSWORD = 12
RUN_PORT_FILE = Path(__file__).resolve().parents[2] / "var" / "local-mongo-port"


def database_uri(run_port_file=RUN_PORT_FILE):
    """MONGO_URI, else the local server on LOCAL_MONGO_PORT, else on the port
    the last ``make run`` used (it notes it in var/local-mongo-port), else
    27017: deploy/run_local.py makes the same URI."""
    if os.environ.get("MONGO_URI"):
        return os.environ["MONGO_URI"]
    port = os.environ.get("LOCAL_MONGO_PORT")
    if not port and run_port_file.exists():
        port = run_port_file.read_text().strip()
    return local_mongo_uri(int(port or 27017))


def read_password():
    password = os.environ.get("ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass("Password for the new administrator: ")
        if password != getpass.getpass("Repeat it: "):
            raise SystemExit("error: the two passwords differ")
    if len(password) < MIN_PASSWORD:
        raise SystemExit("error: the password needs at least %d characters" % MIN_PASSWORD)
    return password


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("--name", default=None, help="display name")
    parser.add_argument("--mongo-uri", default=None,
                        help="the database server (default: MONGO_URI, else the local "
                             "server on LOCAL_MONGO_PORT)")
    parser.add_argument("--database",
                        default=os.environ.get("GATEWAY_MONGO_DATABASE", "gateway"))
    args = parser.parse_args(argv)
    password = read_password()
    uri = args.mongo_uri or database_uri()
    client = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        create_user(client[args.database], args.username, password, ADMIN, name=args.name)
    except Conflict as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1
    except ConnectionFailure:
        print("error: no database answers at %s; is `make run` going? Set LOCAL_MONGO_PORT "
              "(or MONGO_URI) as for `make run`" % uri.split("@")[-1], file=sys.stderr)
        return 1
    finally:
        client.close()
    print("administrator %s created in database %s at %s"
          % (args.username, args.database, uri.split("@")[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
