"""Point 4: an event that always makes its handler fail is retried with
backoff and dead-lettered after at most five attempts with its reason, while
the other traffic's throughput drops by less than 10%."""
from kombu import Connection

from testkit.faults import FULL, InboundPublisher, duplicates, record_result, scaled
from testkit.servers import wait_until

NORMAL = scaled(2_000, 150)
POISON = scaled(50, 5)
DEAD_QUEUE = "college.inbound.ledger.dead"
MAX_ATTEMPTS = 5
MAX_SLOWDOWN = 0.10


def publish(enterprise_uri, refs):
    publisher = InboundPublisher(enterprise_uri, len(refs), rate=2_000,
                                 ref=lambda n: refs[n])
    publisher.run()
    assert publisher.error is None and len(publisher.confirmed) == len(refs)
    return publisher.confirmed


def handling_seconds(ledger, ids):
    """From the first effect of these events to the last (inbound and relayed),
    by the database's clock."""
    with ledger.client() as client:
        times = [row["at"] for row in client[ledger.database].effects.find(
            {"event_id": {"$in": list(ids)}}, {"at": 1})]
    assert len(times) == 2 * len(ids), "%d of %d effects" % (len(times), 2 * len(ids))
    return (max(times) - min(times)).total_seconds()


def drain_dead_letters(uri):
    letters = []
    with Connection(uri) as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(DEAD_QUEUE, no_ack=True)) is not None:
            letters.append(dict(message.headers))
    return letters


def run_backlog(ledger, enterprise_uri, refs, normal_count):
    """Queue the events while the service is stopped, then let it drain them:
    the throughput measured is the consumer's, not the publisher's."""
    process = ledger.start()
    process.stop()
    earlier = ledger.total_effects()
    confirmed = publish(enterprise_uri, refs)
    normal = {event_id for event_id, ref in zip(confirmed, refs) if ref.startswith("ERP-")}
    assert len(normal) == normal_count
    process = ledger.start()
    # both effects, so no work of this phase is left over to slow the next one
    counts = ledger.wait_for_effects(normal, ("inbound", "relayed"), normal_count / 5 + 60,
                                     recheck=0.5, earlier=earlier)
    assert all(normal <= set(counts[kind]) for kind in counts), "the normal events handled"
    return set(confirmed), normal


def test_a_poison_event_is_dead_lettered_after_five_attempts_without_slowing_the_rest(
        rabbit, enterprise_uri, ledger):
    _, baseline_ids = run_backlog(ledger, enterprise_uri,
                                  ["ERP-a%d" % n for n in range(NORMAL)], NORMAL)
    baseline = handling_seconds(ledger, baseline_ids)
    ledger.stop()

    refs = []
    for n in range(NORMAL):  # the poison spread evenly through the stream
        refs.append("ERP-b%d" % n)
        if n % (NORMAL // POISON) == 0:
            refs.append("poison-%d" % n)
    confirmed, normal_ids = run_backlog(ledger, enterprise_uri, refs, NORMAL)
    with_poison = handling_seconds(ledger, normal_ids)

    letters = []

    def all_dead_lettered():
        letters.extend(drain_dead_letters(rabbit.uri))
        return len(letters) >= POISON

    wait_until(all_dead_lettered, timeout=60, message="every poison event dead-lettered")
    slowdown = with_poison / baseline - 1
    # counted once the poison is dead-lettered: no attempt of it is left to add an effect
    counts = {kind: ledger.effects(kind) for kind in ("inbound", "relayed")}
    lost = sum(len(normal_ids - set(c)) for c in counts.values())
    duplicated = sum(duplicates({i: n for i, n in c.items() if i in normal_ids})
                     for c in counts.values())
    poison_effects = sum(n for c in counts.values() for i, n in c.items()
                         if i in confirmed - normal_ids)
    record_result("Poison messages", "%d normal events with %d poison events among them"
                  % (NORMAL, POISON),
                  "handler fails on every attempt for the poison events; %d dead-lettered, "
                  "%d effects of poison events" % (len(letters), poison_effects),
                  NORMAL + POISON, len(confirmed),
                  sum(n for c in counts.values() for i, n in c.items() if i in normal_ids),
                  lost, duplicated, dead_lettered=len(letters), poison_effects=poison_effects,
                  slowdown_percent=round(slowdown * 100, 1))
    assert len(letters) == POISON
    assert lost == 0 and duplicated == 0 and poison_effects == 0, (
        lost, duplicated, poison_effects)
    for headers in letters:
        assert 1 < headers["x-attempts"] <= MAX_ATTEMPTS
        assert "RuntimeError: this event always breaks its handler" in \
            headers["x-dead-letter-reason"]
    if not FULL:  # a few seconds of traffic on two busy cores cannot measure 10%
        return
    assert slowdown < MAX_SLOWDOWN, "the other traffic took %.0f%% longer (%.1fs vs %.1fs)" % (
        slowdown * 100, with_poison, baseline)
