#!/usr/bin/env bash
# Make sure a local RabbitMQ answers on 5672 with its management API on 15672
# (the test suite creates a throwaway vhost per test through that API), and
# that it refuses messages over the size limit deploy sets on every broker
# (BROKER_MAX_MESSAGE_BYTES in deploy/enterprise_access.py; RabbitMQ 3.x takes
# 128 MiB by default). Starts the installed rabbitmq-server when it is down;
# never installs anything.
set -euo pipefail

MAX_MESSAGE_SIZE=16777216  # 16 MiB, node-wide: the services' largest RPC messages fit

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port seconds what
    for _ in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
    echo "error: $3 did not answer on port $1 within $2 s" >&2
    return 1
}

if ! port_open 5672; then
    if ! command -v rabbitmq-server >/dev/null; then
        echo "error: nothing answers on 127.0.0.1:5672 and rabbitmq-server is not installed." >&2
        echo "       Install it: sudo apt-get install rabbitmq-server" >&2
        exit 1
    fi
    echo "starting rabbitmq-server"
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-rabbit max_message_size $MAX_MESSAGE_SIZE" \
        rabbitmq-server -detached
    wait_for 5672 120 "RabbitMQ"
elif command -v rabbitmqctl >/dev/null; then
    # a broker that was already running: set the limit until its next restart
    # (for good: max_message_size in its rabbitmq.conf). Needs the node's cookie.
    if ! rabbitmqctl -q eval \
            "application:set_env(rabbit, max_message_size, $MAX_MESSAGE_SIZE)." >/dev/null 2>&1
    then
        echo "note: could not set RabbitMQ's max_message_size (not allowed to run" \
             "rabbitmqctl?); set max_message_size = $MAX_MESSAGE_SIZE in its rabbitmq.conf" >&2
    fi
fi

# the management API: the tests' vhosts, and deploy/enterprise_access.py (the
# enterprises' vhost, each enterprise's broker user) go through it
if ! port_open 15672; then
    echo "enabling the RabbitMQ management plugin"
    if ! rabbitmq-plugins enable rabbitmq_management >/dev/null; then
        echo "error: could not enable the management plugin (not allowed to run" \
             "rabbitmq-plugins?); run: sudo rabbitmq-plugins enable rabbitmq_management" >&2
        exit 1
    fi
    wait_for 15672 60 "the RabbitMQ management API"
fi
