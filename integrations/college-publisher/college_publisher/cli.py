"""college-publish: publish events from JSON files and print what was confirmed.

    college-publish --url amqps://enterprise-ACME:SECRET@host:5671/ --enterprise ACME \\
        project.json more-events.json

A file holds one event (a JSON object) or a batch (a JSON array, or one object
per line). ``id``, ``time``, ``source`` and ``specversion`` may be left out and
are filled in. Prints ``confirmed <id> <type>`` or ``failed <id>: <reason>``
per event; exits 1 if any event failed.
"""
import argparse
import json
import os
import sys

from college_publisher import Publisher, complete


def read_events(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        loaded = json.loads(text)
        return loaded if isinstance(loaded, list) else [loaded]
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="college-publish", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--url", default=os.environ.get("COLLEGE_AMQP_URL"),
                        help="your broker URL with your credentials (or COLLEGE_AMQP_URL)")
    parser.add_argument("--enterprise", default=os.environ.get("COLLEGE_ENTERPRISE_ID"),
                        help="your enterprise id (or COLLEGE_ENTERPRISE_ID)")
    args = parser.parse_args(argv)
    if not args.url or not args.enterprise:
        parser.error("--url and --enterprise are required")
    try:
        events = [complete(event, args.enterprise)
                  for path in args.files for event in read_events(path)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print("error: cannot read the events: %s" % exc, file=sys.stderr)
        return 2
    failed = 0
    with Publisher(args.url, args.enterprise) as publisher:
        for event, (event_id, error) in zip(events, publisher.publish_many(events)):
            if error:
                failed += 1
                print("failed %s: %s" % (event_id, error))
            else:
                print("confirmed %s %s" % (event_id, event["type"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
