#!/usr/bin/python3
"""confluent-kafka-python (librdkafka 2.0.2 from Debian) scenarios for the Samsa compat suite.

Usage: runner.py <scenario-id> <bootstrap> <unique-prefix>
Prints one JSON verdict as the last stdout line (see compat/harness/external.ts). Every wait is
bounded; the harness also kills the process when the scenario times out.
"""

import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic


class Unsupported(Exception):
    pass


class Failed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failed(message)


SCENARIO, BOOTSTRAP, PREFIX = sys.argv[1], sys.argv[2], sys.argv[3]
DEADLINE = time.time() + 18


def remaining():
    return max(0.1, DEADLINE - time.time())


def base():
    return {"bootstrap.servers": BOOTSTRAP, "client.id": "samsa-compat", "log_level": 3}


_ADMIN = []


def admin():
    """One AdminClient per process: a temporary one would be destroyed before its futures resolve."""
    if not _ADMIN:
        _ADMIN.append(AdminClient(base()))
    return _ADMIN[0]


def wait_futures(futures):
    for key, future in futures.items():
        future.result(timeout=remaining())


def create_topic(name, partitions=1, config=None):
    wait_futures(admin().create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})]))


def producer(**extra):
    conf = base()
    conf.update(extra)
    return Producer(conf)


def produce(p, topic, records, **kwargs):
    """records: list of dicts for Producer.produce; raises on any delivery error."""
    errors = []
    delivered = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered.append((msg.partition(), msg.offset()))

    for r in records:
        p.produce(topic, on_delivery=on_delivery, **r, **kwargs)
    left = p.flush(remaining())
    check(left == 0, f"{left} records not delivered")
    check(not errors, f"delivery errors: {errors[:3]}")
    return delivered


def consumer(group=None, **extra):
    conf = base()
    conf.update({
        "group.id": group or f"{PREFIX}-group",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
        "heartbeat.interval.ms": 500,
        "fetch.wait.max.ms": 100,
        "topic.metadata.refresh.interval.ms": 1000,
    })
    conf.update(extra)
    return Consumer(conf)


def collect(c, n, timeout=None):
    out = []
    end = time.time() + (timeout if timeout is not None else remaining() - 0.5)
    while len(out) < n and time.time() < end:
        m = c.poll(0.1)
        if m is None:
            continue
        if m.error():
            if m.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                continue
            raise Failed(f"consume error: {m.error()}")
        out.append(m)
    return out


def values(msgs):
    return [m.value().decode() for m in msgs]


def produce_and_consume(**producer_conf):
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer(**producer_conf)
    vs = [f"value-{i}-" + "x" * 50 for i in range(20)]
    delivered = produce(p, topic, [{"value": v} for v in vs])
    if producer_conf.get("acks") not in (0, "0"):
        check(sorted(o for _, o in delivered) == list(range(20)), f"delivered offsets {delivered[:5]}")
    c = consumer()
    c.subscribe([topic])
    got = collect(c, 20)
    c.close()
    check(values(got) == vs, f"consumed {len(got)}/20")
    check([m.offset() for m in got] == list(range(20)), "offsets not 0..19")


def assignment_watcher(c, topic):
    state = {"parts": None}

    def on_assign(consumer_, parts):
        state["parts"] = sorted(p.partition for p in parts if p.topic == topic)

    def on_revoke(consumer_, parts):
        state["parts"] = []

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return state


def poll_until(consumers, cond, describe):
    while time.time() < DEADLINE - 0.5:
        for c in consumers:
            c.poll(0.05)
        if cond():
            return
    raise Failed(describe())


def s_connect():
    md = admin().list_topics(timeout=remaining())
    check(len(md.brokers) == 1, f"brokers {md.brokers}")
    check(md.cluster_id, "no cluster id")
    check(md.controller_id in md.brokers, f"controller {md.controller_id}")


def s_metadata_auto_create():
    topic = f"{PREFIX}-auto"
    p = producer()  # producers default to allow.auto.create.topics=true
    while time.time() < DEADLINE - 1:
        md = p.list_topics(topic=topic, timeout=remaining())
        t = md.topics.get(topic)
        if t is not None and t.error is None and len(t.partitions) == 1:
            return
        time.sleep(0.2)
    raise Failed("topic not auto-created")


def s_topic_create():
    topic = f"{PREFIX}-t"
    create_topic(topic, 3, {"retention.ms": "3600000"})
    md = admin().list_topics(timeout=remaining())
    check(topic in md.topics and len(md.topics[topic].partitions) == 3, "topic not listed with 3 partitions")
    try:
        wait_futures(admin().create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]))
        raise Failed("creating an existing topic succeeded")
    except KafkaException as e:
        check(e.args[0].code() == confluent_kafka.KafkaError.TOPIC_ALREADY_EXISTS, f"duplicate create: {e}")


def s_topic_describe():
    topic = f"{PREFIX}-t"
    create_topic(topic, 3, {"cleanup.policy": "compact"})
    md = admin().list_topics(topic=topic, timeout=remaining())
    parts = md.topics[topic].partitions
    check(len(parts) == 3 and all(p.leader >= 0 and len(p.replicas) == 1 for p in parts.values()), f"partitions {parts}")
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin().describe_configs([res])[res].result(timeout=remaining())
    check(entries["cleanup.policy"].value == "compact", f"cleanup.policy {entries.get('cleanup.policy')}")


def s_config_alter():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "123456"})
    wait_futures(admin().alter_configs([res]))
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin().describe_configs([res])[res].result(timeout=remaining())
    check(entries["retention.ms"].value == "123456", f"retention.ms {entries['retention.ms'].value}")


def s_partitions_create():
    topic = f"{PREFIX}-t"
    create_topic(topic, 1)
    wait_futures(admin().create_partitions([NewPartitions(topic, 3)]))
    md = admin().list_topics(topic=topic, timeout=remaining())
    check(len(md.topics[topic].partitions) == 3, f"partitions {len(md.topics[topic].partitions)}")


def s_topic_delete():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    wait_futures(admin().delete_topics([topic]))
    while time.time() < DEADLINE - 1:
        if topic not in admin().list_topics(timeout=remaining()).topics:
            return
        time.sleep(0.2)
    raise Failed("topic still listed")


def s_produce_keys():
    topic = f"{PREFIX}-t"
    create_topic(topic, 4)
    p = producer()
    produce(p, topic, [{"key": f"key-{i % 3}", "value": f"k{i}"} for i in range(12)])
    produce(p, topic, [{"value": f"u{i}"} for i in range(6)])
    c = consumer()
    c.subscribe([topic])
    got = collect(c, 18)
    c.close()
    check(len(got) == 18, f"consumed {len(got)}/18")
    for key in ("key-0", "key-1", "key-2"):
        parts = {m.partition() for m in got if m.key() == key.encode()}
        check(len(parts) == 1, f"{key} on partitions {parts}")
    check(sum(1 for m in got if m.key() is None) == 6, "unkeyed records missing")


def s_headers():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    produce(producer(), topic, [{"key": "k", "value": "v", "headers": [("trace-id", b"abc"), ("empty", b"")]}])
    c = consumer()
    c.subscribe([topic])
    got = collect(c, 1)
    c.close()
    check(len(got) == 1, "nothing consumed")
    headers = got[0].headers() or []
    check(("trace-id", b"abc") in headers and any(k == "empty" and not v for k, v in headers), f"headers {headers}")


def s_large_message():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    value = "L" * (900 * 1024)
    produce(producer(), topic, [{"value": value}, {"value": "after"}])
    c = consumer()
    c.subscribe([topic])
    got = collect(c, 2)
    c.close()
    check(values(got) == [value, "after"], f"sizes {[len(v) for v in values(got)]}")


def s_consume_latest():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"value": "old-1"}, {"value": "old-2"}])
    c = consumer(**{"auto.offset.reset": "latest"})
    state = assignment_watcher(c, topic)
    poll_until([c], lambda: state["parts"], lambda: "never assigned")
    # The reset to latest resolves asynchronously after assignment; let it settle.
    end = time.time() + 1.5
    while time.time() < end:
        c.poll(0.1)
    produce(p, topic, [{"value": "new-1"}])
    got = collect(c, 1)
    got += collect(c, 5, timeout=0.5)
    c.close()
    check(values(got) == ["new-1"], f"consumed {values(got)}")


def s_consume_committed():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    produce(producer(), topic, [{"value": v} for v in "abcd"])
    group = f"{PREFIX}-g"
    committer = consumer(group)
    committer.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    committed = committer.committed([TopicPartition(topic, 0)], timeout=remaining())
    committer.close()
    check(committed[0].offset == 2, f"committed {committed[0].offset}")
    c = consumer(group)
    c.subscribe([topic])
    got = collect(c, 2)
    c.close()
    check(values(got) == ["c", "d"], f"consumed {values(got)}")


def s_consume_timestamp():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    t0 = int(time.time() * 1000) - 60000
    produce(producer(), topic, [{"value": v, "timestamp": t0 + i * 1000} for i, v in enumerate("abc")])
    c = consumer()
    found = c.offsets_for_times([TopicPartition(topic, 0, t0 + 500)], timeout=remaining())
    check(found[0].offset == 1, f"offset for timestamp {found[0].offset}")
    c.assign([TopicPartition(topic, 0, found[0].offset)])
    got = collect(c, 2)
    c.close()
    check(values(got) == ["b", "c"], f"consumed {values(got)}")


def s_group_members():
    topic = f"{PREFIX}-t"
    create_topic(topic, 4)
    group = f"{PREFIX}-g"
    a, b = consumer(group), consumer(group)
    sa, sb = assignment_watcher(a, topic), assignment_watcher(b, topic)
    poll_until([a, b], lambda: sa["parts"] and sb["parts"] and len(sa["parts"]) == 2 and len(sb["parts"]) == 2,
               lambda: f"assignments {sa['parts']} {sb['parts']}")
    check(sorted(sa["parts"] + sb["parts"]) == [0, 1, 2, 3], f"assignments {sa['parts']} {sb['parts']}")
    a.close()
    b.close()


def s_group_rebalance():
    topic = f"{PREFIX}-t"
    create_topic(topic, 4)
    group = f"{PREFIX}-g"
    a = consumer(group)
    sa = assignment_watcher(a, topic)
    poll_until([a], lambda: sa["parts"] == [0, 1, 2, 3], lambda: f"first member has {sa['parts']}")
    b = consumer(group)
    sb = assignment_watcher(b, topic)
    poll_until([a, b], lambda: sa["parts"] is not None and len(sa["parts"]) == 2 and sb["parts"] and len(sb["parts"]) == 2,
               lambda: f"after join: {sa['parts']} {sb['parts']}")
    b.close()
    poll_until([a], lambda: sa["parts"] == [0, 1, 2, 3], lambda: f"after leave, first member has {sa['parts']}")
    a.close()


def s_group_resume():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer()
    produce(p, topic, [{"value": v} for v in "abc"])
    group = f"{PREFIX}-g"
    first = consumer(group)
    first.subscribe([topic])
    got = collect(first, 3)
    check(values(got) == ["a", "b", "c"], f"first consumer got {values(got)}")
    first.commit(asynchronous=False)
    first.close()
    produce(p, topic, [{"value": v} for v in "de"])
    second = consumer(group)
    second.subscribe([topic])
    got = collect(second, 2)
    got += collect(second, 5, timeout=0.5)
    second.close()
    check(values(got) == ["d", "e"], f"second consumer got {values(got)}")


def s_group_describe():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    produce(producer(), topic, [{"value": v} for v in "abcd"])
    group = f"{PREFIX}-g"
    c = consumer(group)
    c.subscribe([topic])
    got = collect(c, 4)
    check(len(got) == 4, f"consumed {len(got)}/4")
    c.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    groups = admin().list_groups(group, timeout=remaining())
    check(len(groups) == 1, f"list_groups {groups}")
    g = groups[0]
    check(g.state == "Stable" and g.protocol_type == "consumer" and len(g.members) == 1, f"group {g.state} {g.protocol_type} {len(g.members)}")
    committed = c.committed([TopicPartition(topic, 0)], timeout=remaining())[0].offset
    low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=remaining())
    c.close()
    check(committed == 2 and high - committed == 2, f"committed {committed}, high {high}")


def s_idempotent():
    produce_and_consume(**{"enable.idempotence": True})


def s_transactions():
    topic = f"{PREFIX}-t"
    create_topic(topic)
    p = producer(**{"transactional.id": f"{PREFIX}-txn"})
    p.init_transactions(remaining())
    # Consume-transform-produce: offsets sent with a transaction count only if it commits.
    group = f"{PREFIX}-txn-group"
    tx_consumer = consumer(group)
    for value, commit, offset in (("committed-1", True, 1), ("aborted", False, 7), ("committed-2", True, None)):
        p.begin_transaction()
        p.produce(topic, value=value)
        if offset is not None:
            p.send_offsets_to_transaction([TopicPartition(topic, 0, offset)], tx_consumer.consumer_group_metadata(), remaining())
        if commit:
            p.commit_transaction(remaining())
        else:
            p.abort_transaction(remaining())
    committed = tx_consumer.committed([TopicPartition(topic, 0)], timeout=remaining())[0].offset
    tx_consumer.close()
    check(committed == 1, f"offset committed with the transactions: {committed}, expected 1")
    c = consumer(**{"isolation.level": "read_committed"})
    c.subscribe([topic])
    got = collect(c, 2)
    got += collect(c, 5, timeout=0.5)
    c.close()
    check(values(got) == ["committed-1", "committed-2"], f"read_committed got {values(got)}")


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
    "compression-gzip": lambda: produce_and_consume(**{"compression.type": "gzip"}),
    "compression-snappy": lambda: produce_and_consume(**{"compression.type": "snappy"}),
    "compression-lz4": lambda: produce_and_consume(**{"compression.type": "lz4"}),
    "compression-zstd": lambda: produce_and_consume(**{"compression.type": "zstd"}),
    "consume-earliest": produce_and_consume,
    "consume-latest": s_consume_latest,
    "consume-committed": s_consume_committed,
    "consume-timestamp": s_consume_timestamp,
    "group-members": s_group_members,
    "group-rebalance": s_group_rebalance,
    "group-resume": s_group_resume,
    "group-consumer-protocol": unsupported("librdkafka 2.0.2 has no KIP-848 consumer (added in 2.4+)"),
    "group-protocol-upgrade": unsupported("librdkafka 2.0.2 has no KIP-848 consumer (added in 2.4+)"),
    "group-describe": s_group_describe,
    "delete-records": unsupported("confluent-kafka-python 1.7's AdminClient has no delete_records"),
    "idempotent": s_idempotent,
    "transactions": s_transactions,
}


def main():
    if SCENARIO == "--version":
        print(json.dumps({"python": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0]}))
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
