// confluent-kafka-go 0.11.6 (Debian's golang-github-confluentinc-confluent-kafka-go-dev) on
// Debian's librdkafka 2.0.2, scenarios for the Samsa compat suite. Built offline in GOPATH mode by
// runner.ts; cgo links librdkafka through pkg-config (the package's default, dynamic build).
//
// Usage: confluent-go-runner <scenario-id> <bootstrap> <unique-prefix>, or with "--version" as the
// scenario id to print {"librdkafka": "..."}.
// Prints one JSON verdict as the last stdout line (see compat/harness/external.ts). Every wait is
// bounded by the scenario deadline; the harness also kills the process when the scenario times out.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/kafka"
)

type unsupported string

func (u unsupported) Error() string { return string(u) }

var (
	scenario, bootstrap, prefix string
	deadline                    = time.Now().Add(18 * time.Second)
)

func remainingMs() int {
	ms := int(time.Until(deadline) / time.Millisecond)
	if ms < 100 {
		return 100
	}
	return ms
}

func check(cond bool, format string, args ...interface{}) {
	if !cond {
		panic(fmt.Errorf(format, args...))
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func base(extra kafka.ConfigMap) *kafka.ConfigMap {
	c := kafka.ConfigMap{"bootstrap.servers": bootstrap, "client.id": "samsa-compat", "log_level": 3}
	for k, v := range extra {
		c[k] = v
	}
	return &c
}

var adminClient *kafka.AdminClient

// admin is one AdminClient per process (librdkafka handles are expensive to create and close).
func admin() *kafka.AdminClient {
	if adminClient == nil {
		a, err := kafka.NewAdminClient(base(nil))
		must(err)
		adminClient = a
	}
	return adminClient
}

func ctx() (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.Background(), deadline)
}

func topicResults(res []kafka.TopicResult, err error) {
	must(err)
	for _, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			panic(r.Error)
		}
	}
}

func createTopic(name string, partitions int, configs map[string]string) {
	c, cancel := ctx()
	defer cancel()
	topicResults(admin().CreateTopics(c, []kafka.TopicSpecification{{Topic: name, NumPartitions: partitions, ReplicationFactor: 1, Config: configs}}))
}

func metadata(topic *string) *kafka.Metadata {
	md, err := admin().GetMetadata(topic, topic == nil, remainingMs())
	must(err)
	return md
}

func producer(extra kafka.ConfigMap) *kafka.Producer {
	p, err := kafka.NewProducer(base(extra))
	must(err)
	return p
}

type delivered struct {
	partition int32
	offset    int64
}

// produce sends msgs and waits for every delivery report; any delivery error fails the scenario.
func produce(p *kafka.Producer, msgs []*kafka.Message) []delivered {
	reports := make(chan kafka.Event, len(msgs))
	for _, m := range msgs {
		must(p.Produce(m, reports))
	}
	var out []delivered
	timeout := time.After(time.Until(deadline))
	for len(out) < len(msgs) {
		select {
		case ev := <-reports:
			m, ok := ev.(*kafka.Message)
			check(ok, "unexpected delivery event %v", ev)
			if m.TopicPartition.Error != nil {
				panic(fmt.Errorf("delivery error: %v", m.TopicPartition.Error))
			}
			out = append(out, delivered{m.TopicPartition.Partition, int64(m.TopicPartition.Offset)})
		case <-timeout:
			panic(fmt.Errorf("%d of %d records not delivered", len(msgs)-len(out), len(msgs)))
		}
	}
	return out
}

func msg(topic string, key, value string) *kafka.Message {
	m := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Value: []byte(value)}
	if key != "" {
		m.Key = []byte(key)
	}
	return m
}

func valueMsgs(topic string, values []string) []*kafka.Message {
	out := make([]*kafka.Message, len(values))
	for i, v := range values {
		out[i] = msg(topic, "", v)
	}
	return out
}

func consumer(group string, extra kafka.ConfigMap) *kafka.Consumer {
	if group == "" {
		group = prefix + "-group"
	}
	conf := kafka.ConfigMap{
		"group.id":                           group,
		"auto.offset.reset":                  "earliest",
		"enable.auto.commit":                 false,
		"session.timeout.ms":                 10000,
		"heartbeat.interval.ms":              500,
		"fetch.wait.max.ms":                  100,
		"topic.metadata.refresh.interval.ms": 1000,
	}
	for k, v := range extra {
		conf[k] = v
	}
	c, err := kafka.NewConsumer(base(conf))
	must(err)
	return c
}

// collect polls until n messages arrived or the wait (default: until the deadline) is over.
func collect(c *kafka.Consumer, n int, wait time.Duration) []*kafka.Message {
	end := deadline.Add(-500 * time.Millisecond)
	if wait > 0 {
		end = time.Now().Add(wait)
	}
	var out []*kafka.Message
	for len(out) < n && time.Now().Before(end) {
		switch e := c.Poll(100).(type) {
		case *kafka.Message:
			if e.TopicPartition.Error != nil {
				panic(fmt.Errorf("consume error: %v", e.TopicPartition.Error))
			}
			out = append(out, e)
		case kafka.Error:
			panic(fmt.Errorf("consume error: %v", e))
		}
	}
	return out
}

func values(msgs []*kafka.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Value)
	}
	return out
}

func same(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

func produceAndConsume(producerConf kafka.ConfigMap) {
	topic := prefix + "-t"
	createTopic(topic, 1, nil)
	p := producer(producerConf)
	defer p.Close()
	vs := make([]string, 20)
	for i := range vs {
		vs[i] = fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", 50))
	}
	d := produce(p, valueMsgs(topic, vs))
	if producerConf["acks"] != 0 {
		offsets := make([]int, len(d))
		for i, r := range d {
			offsets[i] = int(r.offset)
		}
		sort.Ints(offsets)
		for i, o := range offsets {
			check(o == i, "delivered offsets %v", offsets)
		}
	}
	c := consumer("", nil)
	defer c.Close()
	must(c.SubscribeTopics([]string{topic}, nil))
	got := collect(c, 20, 0)
	check(same(values(got), vs), "consumed %d/20", len(got))
	for i, m := range got {
		check(int64(m.TopicPartition.Offset) == int64(i), "offset %d at position %d", m.TopicPartition.Offset, i)
	}
}

// assignment tracks a member's partitions of topic through the rebalance callback (nil: never assigned).
type assignment struct{ parts []int32 }

func subscribeWatched(c *kafka.Consumer, topic string) *assignment {
	a := &assignment{}
	must(c.SubscribeTopics([]string{topic}, func(c *kafka.Consumer, ev kafka.Event) error {
		switch e := ev.(type) {
		case kafka.AssignedPartitions:
			parts := []int32{}
			for _, tp := range e.Partitions {
				if *tp.Topic == topic {
					parts = append(parts, tp.Partition)
				}
			}
			sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
			a.parts = parts
			return c.Assign(e.Partitions)
		case kafka.RevokedPartitions:
			a.parts = []int32{}
			return c.Unassign()
		}
		return nil
	}))
	return a
}

func pollUntil(consumers []*kafka.Consumer, cond func() bool, describe func() string) {
	for time.Now().Before(deadline.Add(-500 * time.Millisecond)) {
		for _, c := range consumers {
			switch e := c.Poll(50).(type) {
			case *kafka.Message:
				// records are not the point here
			case kafka.Error:
				panic(fmt.Errorf("consumer error: %v", e))
			}
		}
		if cond() {
			return
		}
	}
	panic(fmt.Errorf("%s", describe()))
}

func partsEqual(a []int32, want ...int32) bool {
	if len(a) != len(want) {
		return false
	}
	for i := range a {
		if a[i] != want[i] {
			return false
		}
	}
	return true
}

func tp(topic string, partition int32, offset int64) kafka.TopicPartition {
	return kafka.TopicPartition{Topic: &topic, Partition: partition, Offset: kafka.Offset(offset)}
}

var scenarios = map[string]func(){
	"connect": func() {
		md := metadata(nil)
		check(len(md.Brokers) == 1, "brokers %v", md.Brokers)
		check(md.OriginatingBroker.ID == md.Brokers[0].ID, "originating broker %v", md.OriginatingBroker)
	},
	"metadata-auto-create": func() {
		topic := prefix + "-auto"
		p := producer(nil)
		defer p.Close()
		for time.Now().Before(deadline.Add(-time.Second)) {
			md, err := p.GetMetadata(&topic, false, remainingMs())
			must(err)
			if t, ok := md.Topics[topic]; ok && t.Error.Code() == kafka.ErrNoError && len(t.Partitions) == 1 {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		panic(fmt.Errorf("topic not auto-created"))
	},
	"topic-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 3, map[string]string{"retention.ms": "3600000"})
		t, ok := metadata(nil).Topics[topic]
		check(ok && len(t.Partitions) == 3, "topic not listed with 3 partitions")
		c, cancel := ctx()
		defer cancel()
		res, err := admin().CreateTopics(c, []kafka.TopicSpecification{{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}})
		must(err)
		check(len(res) == 1 && res[0].Error.Code() == kafka.ErrTopicAlreadyExists, "duplicate create: %v", res)
	},
	"topic-describe": func() {
		topic := prefix + "-t"
		createTopic(topic, 3, map[string]string{"cleanup.policy": "compact"})
		parts := metadata(&topic).Topics[topic].Partitions
		check(len(parts) == 3, "partitions %v", parts)
		for _, p := range parts {
			check(p.Leader >= 0 && len(p.Replicas) == 1, "partition %v", p)
		}
		c, cancel := ctx()
		defer cancel()
		res, err := admin().DescribeConfigs(c, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
		must(err)
		check(len(res) == 1 && res[0].Error.Code() == kafka.ErrNoError, "describe configs %v", res)
		check(res[0].Config["cleanup.policy"].Value == "compact", "cleanup.policy %v", res[0].Config["cleanup.policy"])
	},
	"config-alter": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		c, cancel := ctx()
		defer cancel()
		res, err := admin().AlterConfigs(c, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic,
			Config: kafka.StringMapToConfigEntries(map[string]string{"retention.ms": "123456"}, kafka.AlterOperationSet)}})
		must(err)
		check(len(res) == 1 && res[0].Error.Code() == kafka.ErrNoError, "alter configs %v", res)
		res, err = admin().DescribeConfigs(c, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
		must(err)
		check(res[0].Config["retention.ms"].Value == "123456", "retention.ms %v", res[0].Config["retention.ms"])
	},
	"partitions-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		c, cancel := ctx()
		defer cancel()
		topicResults(admin().CreatePartitions(c, []kafka.PartitionsSpecification{{Topic: topic, IncreaseTo: 3}}))
		n := len(metadata(&topic).Topics[topic].Partitions)
		check(n == 3, "partitions %d", n)
	},
	"topic-delete": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		c, cancel := ctx()
		defer cancel()
		topicResults(admin().DeleteTopics(c, []string{topic}))
		for time.Now().Before(deadline.Add(-time.Second)) {
			if _, ok := metadata(nil).Topics[topic]; !ok {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		panic(fmt.Errorf("topic still listed"))
	},
	"produce-keys": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		p := producer(nil)
		defer p.Close()
		var msgs []*kafka.Message
		for i := 0; i < 12; i++ {
			msgs = append(msgs, msg(topic, fmt.Sprintf("key-%d", i%3), fmt.Sprintf("k%d", i)))
		}
		for i := 0; i < 6; i++ {
			msgs = append(msgs, msg(topic, "", fmt.Sprintf("u%d", i)))
		}
		produce(p, msgs)
		c := consumer("", nil)
		defer c.Close()
		must(c.SubscribeTopics([]string{topic}, nil))
		got := collect(c, 18, 0)
		check(len(got) == 18, "consumed %d/18", len(got))
		byKey := map[string]map[int32]bool{}
		unkeyed := 0
		for _, m := range got {
			if m.Key == nil {
				unkeyed++
				continue
			}
			if byKey[string(m.Key)] == nil {
				byKey[string(m.Key)] = map[int32]bool{}
			}
			byKey[string(m.Key)][m.TopicPartition.Partition] = true
		}
		for _, k := range []string{"key-0", "key-1", "key-2"} {
			check(len(byKey[k]) == 1, "%s on partitions %v", k, byKey[k])
		}
		check(unkeyed == 6, "unkeyed records %d/6", unkeyed)
	},
	"produce-acks-0":   func() { produceAndConsume(kafka.ConfigMap{"acks": 0}) },
	"produce-acks-1":   func() { produceAndConsume(kafka.ConfigMap{"acks": 1}) },
	"produce-acks-all": func() { produceAndConsume(kafka.ConfigMap{"acks": "all"}) },
	"headers": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		p := producer(nil)
		defer p.Close()
		m := msg(topic, "k", "v")
		m.Headers = []kafka.Header{{Key: "trace-id", Value: []byte("abc")}, {Key: "empty", Value: []byte{}}}
		produce(p, []*kafka.Message{m})
		c := consumer("", nil)
		defer c.Close()
		must(c.SubscribeTopics([]string{topic}, nil))
		got := collect(c, 1, 0)
		check(len(got) == 1, "nothing consumed")
		h := got[0].Headers
		check(len(h) == 2 && h[0].Key == "trace-id" && string(h[0].Value) == "abc" && h[1].Key == "empty" && len(h[1].Value) == 0, "headers %v", h)
	},
	"large-message": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		value := strings.Repeat("L", 900*1024)
		p := producer(nil)
		defer p.Close()
		produce(p, valueMsgs(topic, []string{value, "after"}))
		c := consumer("", nil)
		defer c.Close()
		must(c.SubscribeTopics([]string{topic}, nil))
		got := collect(c, 2, 0)
		check(len(got) == 2 && string(got[0].Value) == value && string(got[1].Value) == "after", "consumed %d", len(got))
	},
	"compression-gzip":   func() { produceAndConsume(kafka.ConfigMap{"compression.type": "gzip"}) },
	"compression-snappy": func() { produceAndConsume(kafka.ConfigMap{"compression.type": "snappy"}) },
	"compression-lz4":    func() { produceAndConsume(kafka.ConfigMap{"compression.type": "lz4"}) },
	"compression-zstd":   func() { produceAndConsume(kafka.ConfigMap{"compression.type": "zstd"}) },
	"consume-earliest":   func() { produceAndConsume(nil) },
	"consume-latest": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		p := producer(nil)
		defer p.Close()
		produce(p, valueMsgs(topic, []string{"old-1", "old-2"}))
		c := consumer("", kafka.ConfigMap{"auto.offset.reset": "latest"})
		defer c.Close()
		a := subscribeWatched(c, topic)
		pollUntil([]*kafka.Consumer{c}, func() bool { return len(a.parts) > 0 }, func() string { return "never assigned" })
		// The reset to latest resolves asynchronously after assignment; let it settle.
		settle := time.Now().Add(1500 * time.Millisecond)
		for time.Now().Before(settle) {
			c.Poll(100)
		}
		produce(p, valueMsgs(topic, []string{"new-1"}))
		got := collect(c, 1, 0)
		got = append(got, collect(c, 5, 500*time.Millisecond)...)
		check(same(values(got), []string{"new-1"}), "consumed %v", values(got))
	},
	"consume-committed": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		p := producer(nil)
		defer p.Close()
		produce(p, valueMsgs(topic, []string{"a", "b", "c", "d"}))
		group := prefix + "-g"
		committer := consumer(group, nil)
		_, err := committer.CommitOffsets([]kafka.TopicPartition{tp(topic, 0, 2)})
		must(err)
		committed, err := committer.Committed([]kafka.TopicPartition{tp(topic, 0, 0)}, remainingMs())
		must(err)
		must(committer.Close())
		check(len(committed) == 1 && committed[0].Offset == 2, "committed %v", committed)
		c := consumer(group, nil)
		defer c.Close()
		must(c.SubscribeTopics([]string{topic}, nil))
		got := collect(c, 2, 0)
		check(same(values(got), []string{"c", "d"}), "consumed %v", values(got))
	},
	"consume-timestamp": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		p := producer(nil)
		defer p.Close()
		t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
		msgs := valueMsgs(topic, []string{"a", "b", "c"})
		for i, m := range msgs {
			m.Timestamp = t0.Add(time.Duration(i) * time.Second)
		}
		produce(p, msgs)
		c := consumer("", nil)
		defer c.Close()
		query := t0.Add(500*time.Millisecond).UnixNano() / int64(time.Millisecond)
		found, err := c.OffsetsForTimes([]kafka.TopicPartition{tp(topic, 0, query)}, remainingMs())
		must(err)
		check(len(found) == 1 && found[0].Error == nil && found[0].Offset == 1, "offset for timestamp %v", found)
		must(c.Assign([]kafka.TopicPartition{tp(topic, 0, 1)}))
		got := collect(c, 2, 0)
		check(same(values(got), []string{"b", "c"}), "consumed %v", values(got))
	},
	"group-members": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		group := prefix + "-g"
		a, b := consumer(group, nil), consumer(group, nil)
		defer a.Close()
		defer b.Close()
		sa, sb := subscribeWatched(a, topic), subscribeWatched(b, topic)
		pollUntil([]*kafka.Consumer{a, b}, func() bool { return len(sa.parts) == 2 && len(sb.parts) == 2 },
			func() string { return fmt.Sprintf("assignments %v %v", sa.parts, sb.parts) })
		all := append(append([]int32{}, sa.parts...), sb.parts...)
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		check(partsEqual(all, 0, 1, 2, 3), "assignments %v %v", sa.parts, sb.parts)
	},
	"group-rebalance": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		group := prefix + "-g"
		a := consumer(group, nil)
		defer a.Close()
		sa := subscribeWatched(a, topic)
		pollUntil([]*kafka.Consumer{a}, func() bool { return partsEqual(sa.parts, 0, 1, 2, 3) },
			func() string { return fmt.Sprintf("first member has %v", sa.parts) })
		b := consumer(group, nil)
		sb := subscribeWatched(b, topic)
		pollUntil([]*kafka.Consumer{a, b}, func() bool { return len(sa.parts) == 2 && len(sb.parts) == 2 },
			func() string { return fmt.Sprintf("after join: %v %v", sa.parts, sb.parts) })
		must(b.Close())
		pollUntil([]*kafka.Consumer{a}, func() bool { return partsEqual(sa.parts, 0, 1, 2, 3) },
			func() string { return fmt.Sprintf("after leave, first member has %v", sa.parts) })
	},
	"group-resume": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		p := producer(nil)
		defer p.Close()
		produce(p, valueMsgs(topic, []string{"a", "b", "c"}))
		group := prefix + "-g"
		first := consumer(group, nil)
		must(first.SubscribeTopics([]string{topic}, nil))
		got := collect(first, 3, 0)
		check(same(values(got), []string{"a", "b", "c"}), "first consumer got %v", values(got))
		_, err := first.Commit()
		must(err)
		must(first.Close())
		produce(p, valueMsgs(topic, []string{"d", "e"}))
		second := consumer(group, nil)
		defer second.Close()
		must(second.SubscribeTopics([]string{topic}, nil))
		got = collect(second, 2, 0)
		got = append(got, collect(second, 5, 500*time.Millisecond)...)
		check(same(values(got), []string{"d", "e"}), "second consumer got %v", values(got))
	},
	"group-consumer-protocol": func() {
		panic(unsupported("librdkafka 2.0.2 and confluent-kafka-go 0.11.6 predate the KIP-848 consumer"))
	},
	"group-describe": func() {
		panic(unsupported("confluent-kafka-go 0.11.6 has no list/describe groups API"))
	},
	"delete-records": func() {
		panic(unsupported("confluent-kafka-go 0.11.6's AdminClient has no DeleteRecords"))
	},
	"idempotent": func() { produceAndConsume(kafka.ConfigMap{"enable.idempotence": true}) },
	"transactions": func() {
		panic(unsupported("confluent-kafka-go 0.11.6 has no transactional producer API"))
	},
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: confluent-go-runner <scenario> <bootstrap> <prefix>")
		os.Exit(2)
	}
	scenario, bootstrap, prefix = os.Args[1], os.Args[2], os.Args[3]
	if scenario == "--version" {
		_, v := kafka.LibraryVersion()
		out, _ := json.Marshal(map[string]string{"librdkafka": v})
		fmt.Println(string(out))
		return
	}
	verdict := map[string]string{"status": "pass"}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if u, ok := r.(unsupported); ok {
					verdict = map[string]string{"status": "unsupported", "reason": string(u)}
					return
				}
				verdict = map[string]string{"status": "fail", "reason": fmt.Sprint(r)}
			}
		}()
		fn, ok := scenarios[scenario]
		if !ok {
			panic(fmt.Errorf("no implementation of %s", scenario))
		}
		fn()
	}()
	if adminClient != nil {
		adminClient.Close()
	}
	out, _ := json.Marshal(verdict)
	fmt.Println(string(out))
}
