"""Create the first administrator: ``python -m gateway.create_admin USERNAME``.

The password comes from ADMIN_PASSWORD or is asked for twice on the terminal.
Reads the gateway's own configuration file for the database to use.
"""
import argparse
import getpass
import os
import sys

from pymongo import MongoClient

from college_platform.config import DEFAULT_MONGO_URI
from college_platform.errors import Conflict
from gateway.auth import ADMIN
from gateway.users import create_user

MIN_PASSWORD = 12


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
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI") or DEFAULT_MONGO_URI)
    parser.add_argument("--database",
                        default=os.environ.get("GATEWAY_MONGO_DATABASE", "gateway"))
    args = parser.parse_args(argv)
    password = read_password()
    client = MongoClient(args.mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        create_user(client[args.database], args.username, password, ADMIN, name=args.name)
    except Conflict as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1
    finally:
        client.close()
    print("administrator %s created" % args.username)
    return 0


if __name__ == "__main__":
    sys.exit(main())
