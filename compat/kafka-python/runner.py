#!/usr/bin/python3
"""kafka-python 2.0.2 (Debian's python3-kafka) scenarios for the Samsa compat suite.

kafka-python probes ApiVersions v0, guesses a broker version from it and then sends fixed old
versions (Produce v7, Fetch v4, Metadata v1, OffsetCommit v2, ...), never flexible ones.

Usage: runner.py <scenario-id> <bootstrap> <unique-prefix>
Prints one JSON verdict as the last stdout line (see compat/harness/external.ts).
"""

import json
import logging
import sys
import threading
import time

logging.basicConfig(level=logging.CRITICAL)

import kafka  # noqa: E402
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic  # noqa: E402
from kafka.consumer.subscription_state import ConsumerRebalanceListener  # noqa: E402
from kafka.errors import TopicAlreadyExistsError  # noqa: E402
from kafka.structs import OffsetAndMetadata  # noqa: E402


class Unsupported(Exception):
    pass


class Failed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failed(message)


SCENARIO, BOOTSTRAP, PREFIX = sys.argv[1], sys.argv[2], sys.argv[3]
DEADLINE = time.time() + 18
COMMON = {"bootstrap_servers": BOOTSTRAP, "client_id": "samsa-compat", "request_timeout_ms": 10000}
_ADMIN = []


def remaining():
    return max(0.1, DEADLINE - time.time())


def admin():
    if not _ADMIN:
        _ADMIN.append(KafkaAdminClient(**COMMON))
    return _ADMIN[0]


def create_topic(name, partitions=1, config=None):
    admin().create_topics([NewTopic(name, partitions, 1, topic_configs=config or {})])


def producer(**extra):
    return KafkaProducer(**COMMON, **extra)


def produce(p, topic, records):
    futures = [p.send(topic, **r) for r in records]
    p.flush(remaining())
    return [f.get(timeout=remaining()) for f in futures]


def consumer(group=None, topics=(), **extra):
    conf = dict(COMMON)
    conf.update({
        "group_id": group or f"{PREFIX}-group",
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
        "session_timeout_ms": 10000,
        "request_timeout_ms": 12000,  # kafka-python requires it above the session timeout
        "heartbeat_interval_ms": 500,
        "fetch_max_wait_ms": 100,
        "metadata_max_age_ms": 1000,
    })
    conf.update(extra)
    return KafkaConsumer(*topics, **conf)


def collect(c, n, timeout=None):
    out = []
    end = time.time() + (timeout if timeout is not None else remaining() - 0.5)
    while len(out) < n and time.time() < end:
        for records in c.poll(timeout_ms=100).values():
            out.extend(records)
    return out


def values(msgs):
    return [m.value.decode() for m in msgs]


def produce_and_consume(**producer_conf):
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer(**producer_conf)
    vs = [f"value-{i}-" + "x" * 50 for i in range(20)]
    meta = produce(p, topic, [{"value": v.encode()} for v in vs])
    p.close(remaining())
    if producer_conf.get("acks") != 0:
        check(sorted(m.offset for m in meta) == list(range(20)), f"offsets {[m.offset for m in meta][:5]}")
    c = consumer(topics=[topic])
    got = collect(c, 20)
    c.close()
    check(values(got) == vs, f"consumed {len(got)}/20")
    check([m.offset for m in got] == list(range(20)), "offsets not 0..19")


class Watcher(ConsumerRebalanceListener):
    def __init__(self, topic):
        self.topic = topic
        self.parts = None

    def on_partitions_revoked(self, revoked):
        self.parts = []

    def on_partitions_assigned(self, assigned):
        self.parts = sorted(tp.partition for tp in assigned if tp.topic == self.topic)


class Poller:
    """Polls one consumer on its own thread: kafka-python's poll() blocks inside a group join,
    so members sharing one thread would wait on each other until the rebalance timeout."""

    def __init__(self, c):
        self.c = c
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            self.c.poll(timeout_ms=50)

    def close(self):
        self.stop.set()
        self.thread.join(remaining())
        self.c.close()


def wait_until(cond, describe):
    while time.time() < DEADLINE - 0.5:
        if cond():
            return
        time.sleep(0.05)
    raise Failed(describe())


def poll_until(consumers, cond, describe):
    while time.time() < DEADLINE - 0.5:
        for c in consumers:
            c.poll(timeout_ms=50)
        if cond():
            return
    raise Failed(describe())


def s_connect():
    c = kafka.KafkaClient(**COMMON)
    check(c.bootstrap_connected() or c.poll(timeout_ms=1000) is not None, "not connected")
    version = c.check_version(timeout=remaining())
    check(version >= (2, 1), f"kafka-python guessed broker version {version}: old fallbacks would be used")
    brokers = c.cluster.brokers()
    check(len(brokers) == 1, f"brokers {brokers}")
    c.close()


def s_metadata_auto_create():
    topic = f"{PREFIX}-auto"
    p = producer()
    parts = p.partitions_for(topic)  # Metadata v1: the broker's auto.create.topics.enable decides
    check(parts == {0}, f"partitions {parts}")
    p.close(remaining())


def s_topic_create():
    topic = f"{PREFIX}-t"
    create_topic(topic, 3, {"retention.ms": "3600000"})
    check(topic in admin().list_topics(), "topic not listed")
    try:
        create_topic(topic, 3)
        raise Failed("creating an existing topic succeeded")
    except TopicAlreadyExistsError:
        pass


def describe_topic_config(topic, name):
    res = admin().describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    for entry in res[0].resources[0][4]:
        if entry[0] == name:
            return entry[1]
    return None


def s_topic_describe():
    topic = f"{PREFIX}-t"
    create_topic(topic, 3, {"cleanup.policy": "compact"})
    c = consumer()
    parts = c.partitions_for_topic(topic)
    c.close()
    check(parts == {0, 1, 2}, f"partitions {parts}")
    check(describe_topic_config(topic, "cleanup.policy") == "compact", "cleanup.policy not compact")


def s_config_alter():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    admin().alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "123456"})])
    value = describe_topic_config(topic, "retention.ms")
    check(value == "123456", f"retention.ms {value}")


def s_partitions_create():
    topic = f"{PREFIX}-t"
    create_topic(topic, 1)
    admin().create_partitions({topic: NewPartitions(total_count=3)})
    c = consumer()
    end = time.time() + 5
    parts = None
    while time.time() < end:
        c._client.cluster.request_update()
        c.poll(timeout_ms=100)
        parts = c.partitions_for_topic(topic)
        if parts == {0, 1, 2}:
            break
    c.close()
    check(parts == {0, 1, 2}, f"partitions {parts}")


def s_topic_delete():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    admin().delete_topics([topic])
    check(topic not in admin().list_topics(), "topic still listed")


def s_produce_keys():
    topic = f"{PREFIX}-t"
    create_topic(topic, 4)
    p = producer()
    produce(p, topic, [{"key": f"key-{i % 3}".encode(), "value": f"k{i}".encode()} for i in range(12)])
    produce(p, topic, [{"value": f"u{i}".encode()} for i in range(6)])
    p.close(remaining())
    c = consumer(topics=[topic])
    got = collect(c, 18)
    c.close()
    check(len(got) == 18, f"consumed {len(got)}/18")
    for key in ("key-0", "key-1", "key-2"):
        parts = {m.partition for m in got if m.key == key.encode()}
        check(len(parts) == 1, f"{key} on partitions {parts}")
    check(sum(1 for m in got if m.key is None) == 6, "unkeyed records missing")


def s_headers():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"key": b"k", "value": b"v", "headers": [("trace-id", b"abc"), ("empty", b"")]}])
    p.close(remaining())
    c = consumer(topics=[topic])
    got = collect(c, 1)
    c.close()
    check(len(got) == 1, "nothing consumed")
    check(got[0].headers == [("trace-id", b"abc"), ("empty", b"")], f"headers {got[0].headers}")


def s_large_message():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    value = "L" * (900 * 1024)
    p = producer()
    produce(p, topic, [{"value": value.encode()}, {"value": b"after"}])
    p.close(remaining())
    c = consumer(topics=[topic])
    got = collect(c, 2)
    c.close()
    check(values(got) == [value, "after"], f"sizes {[len(v) for v in values(got)]}")


def s_consume_latest():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"value": b"old-1"}, {"value": b"old-2"}])
    c = consumer(auto_offset_reset="latest")
    w = Watcher(topic)
    c.subscribe([topic], listener=w)
    poll_until([c], lambda: w.parts, lambda: "never assigned")
    c.position(TopicPartition(topic, 0))  # resolves the reset to latest now
    produce(p, topic, [{"value": b"new-1"}])
    got = collect(c, 1)
    got += collect(c, 5, timeout=0.5)
    c.close()
    check(values(got) == ["new-1"], f"consumed {values(got)}")


def s_consume_committed():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"value": v.encode()} for v in "abcd"])
    group = f"{PREFIX}-g"
    tp = TopicPartition(topic, 0)
    committer = consumer(group)
    committer.commit({tp: OffsetAndMetadata(2, None)})
    committed = committer.committed(tp)
    committer.close()
    check(committed == 2, f"committed {committed}")
    c = consumer(group, topics=[topic])
    got = collect(c, 2)
    c.close()
    check(values(got) == ["c", "d"], f"consumed {values(got)}")


def s_consume_timestamp():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    t0 = int(time.time() * 1000) - 60000
    p = producer()
    produce(p, topic, [{"value": v.encode(), "timestamp_ms": t0 + i * 1000} for i, v in enumerate("abc")])
    c = consumer()
    tp = TopicPartition(topic, 0)
    found = c.offsets_for_times({tp: t0 + 500})
    check(found[tp] is not None and found[tp].offset == 1, f"offset for timestamp {found}")
    c.assign([tp])
    c.seek(tp, found[tp].offset)
    got = collect(c, 2)
    c.close()
    check(values(got) == ["b", "c"], f"consumed {values(got)}")


def s_group_members():
    topic = f"{PREFIX}-t"
    create_topic(topic, 4)
    group = f"{PREFIX}-g"
    a, b = consumer(group), consumer(group)
    wa, wb = Watcher(topic), Watcher(topic)
    a.subscribe([topic], listener=wa)
    b.subscribe([topic], listener=wb)
    pa, pb = Poller(a), Poller(b)
    wait_until(lambda: wa.parts and wb.parts and len(wa.parts) == 2 and len(wb.parts) == 2,
               lambda: f"assignments {wa.parts} {wb.parts}")
    check(sorted(wa.parts + wb.parts) == [0, 1, 2, 3], f"assignments {wa.parts} {wb.parts}")
    pa.close()
    pb.close()


def s_group_rebalance():
    topic = f"{PREFIX}-t"
    create_topic(topic, 4)
    group = f"{PREFIX}-g"
    a = consumer(group)
    wa = Watcher(topic)
    a.subscribe([topic], listener=wa)
    pa = Poller(a)
    wait_until(lambda: wa.parts == [0, 1, 2, 3], lambda: f"first member has {wa.parts}")
    b = consumer(group)
    wb = Watcher(topic)
    b.subscribe([topic], listener=wb)
    pb = Poller(b)
    wait_until(lambda: wa.parts is not None and len(wa.parts) == 2 and wb.parts and len(wb.parts) == 2,
               lambda: f"after join: {wa.parts} {wb.parts}")
    pb.close()  # LeaveGroup
    wait_until(lambda: wa.parts == [0, 1, 2, 3], lambda: f"after leave, first member has {wa.parts}")
    pa.close()


def s_group_resume():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"value": v.encode()} for v in "abc"])
    group = f"{PREFIX}-g"
    first = consumer(group, topics=[topic])
    got = collect(first, 3)
    check(values(got) == ["a", "b", "c"], f"first consumer got {values(got)}")
    first.commit()
    first.close()
    produce(p, topic, [{"value": v.encode()} for v in "de"])
    second = consumer(group, topics=[topic])
    got = collect(second, 2)
    got += collect(second, 5, timeout=0.5)
    second.close()
    check(values(got) == ["d", "e"], f"second consumer got {values(got)}")


def s_group_describe():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"value": v.encode()} for v in "abcd"])
    group = f"{PREFIX}-g"
    c = consumer(group, topics=[topic])
    got = collect(c, 4)
    check(len(got) == 4, f"consumed {len(got)}/4")
    tp = TopicPartition(topic, 0)
    c.commit({tp: OffsetAndMetadata(2, None)})
    groups = [g for g, _ in admin().list_consumer_groups()]
    check(group in groups, f"list_consumer_groups {groups}")
    described = admin().describe_consumer_groups([group])[0]
    check(described.state == "Stable" and len(described.members) == 1, f"describe {described.state} {len(described.members)}")
    offsets = admin().list_consumer_group_offsets(group)
    high = c.end_offsets([tp])[tp]
    c.close()
    check(offsets[tp].offset == 2 and high - offsets[tp].offset == 2, f"committed {offsets.get(tp)}, high {high}")
    deleted = dict(admin().delete_consumer_groups([group]))
    check(deleted.get(group) is not None and deleted[group].errno == 0, f"delete_consumer_groups {deleted}")
    check(group not in [g for g, _ in admin().list_consumer_groups()], "group still listed after delete")


def unsupported(reason):
    def run():
        raise Unsupported(reason)
    return run


SCENARIOS = {
    "connect": s_connect,
    "metadata-auto-create": s_metadata_auto_create,
    "topic-create": s_topic_create,
    "topic-describe": s_topic_describe,
    "config-alter": s_config_alter,
    "partitions-create": s_partitions_create,
    "topic-delete": s_topic_delete,
    "produce-keys": s_produce_keys,
    "produce-acks-0": lambda: produce_and_consume(acks=0),
    "produce-acks-1": lambda: produce_and_consume(acks=1),
    "produce-acks-all": lambda: produce_and_consume(acks="all"),
    "headers": s_headers,
    "large-message": s_large_message,
    "compression-gzip": lambda: produce_and_consume(compression_type="gzip"),
    "compression-snappy": lambda: produce_and_consume(compression_type="snappy"),
    "compression-lz4": lambda: produce_and_consume(compression_type="lz4"),
    "compression-zstd": lambda: produce_and_consume(compression_type="zstd"),
    "consume-earliest": produce_and_consume,
    "consume-latest": s_consume_latest,
    "consume-committed": s_consume_committed,
    "consume-timestamp": s_consume_timestamp,
    "group-members": s_group_members,
    "group-rebalance": s_group_rebalance,
    "group-resume": s_group_resume,
    "group-consumer-protocol": unsupported("kafka-python 2.0.2 implements only the classic group protocol"),
    "group-protocol-upgrade": unsupported("kafka-python 2.0.2 implements only the classic group protocol"),
    "group-describe": s_group_describe,
    "delete-records": unsupported("kafka-python 2.0.2's admin client has no delete_records"),
    "idempotent": unsupported("kafka-python 2.0.2 has no idempotent producer"),
    "transactions": unsupported("kafka-python 2.0.2 has no transactional producer"),
}


def main():
    if SCENARIO == "--version":
        print(json.dumps({"version": kafka.__version__}))
        return
    fn = SCENARIOS.get(SCENARIO)
    try:
        if fn is None:
            raise Failed(f"no implementation of {SCENARIO}")
        fn()
        verdict = {"status": "pass"}
    except Unsupported as e:
        verdict = {"status": "unsupported", "reason": str(e)}
    except Exception as e:  # any client exception is a scenario failure, reported with its text
        verdict = {"status": "fail", "reason": f"{type(e).__name__}: {e}"}
    print(json.dumps(verdict), flush=True)


main()
