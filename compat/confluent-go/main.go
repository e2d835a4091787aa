// confluent-kafka-go 0.11.6 (Debian's golang-github-confluentinc-confluent-kafka-go-dev), the Go
// binding of the system librdkafka (2.0.2), for the Samsa compat suite. Built offline in GOPATH
// mode with cgo.
//
// Usage: confluent-go-runner <scenario-id> <bootstrap> <unique-prefix>
// Prints one JSON verdict as the last stdout line (see compat/harness/external.ts).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/kafka"
)

type unsupported string

var (
	bootstrap, prefix string
	deadline          = time.Now().Add(18 * time.Second)
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func check(cond bool, format string, args ...interface{}) {
	if !cond {
		panic(fmt.Errorf(format, args...))
	}
}

func remainingMs() int { return int(time.Until(deadline) / time.Millisecond) }

func conf(extra kafka.ConfigMap) *kafka.ConfigMap {
	c := kafka.ConfigMap{"bootstrap.servers": bootstrap, "client.id": "samsa-compat", "log_level": 3}
	for k, v := range extra {
		c[k] = v
	}
	return &c
}

func admin() *kafka.AdminClient {
	a, err := kafka.NewAdminClient(conf(nil))
	must(err)
	return a
}

func ctx() (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.Background(), deadline)
}

func checkTopicResults(res []kafka.TopicResult, err error) {
	must(err)
	for _, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			panic(r.Error)
		}
	}
}

func createTopic(name string, partitions int, configs map[string]string) {
	a := admin()
	defer a.Close()
	c, cancel := ctx()
	defer cancel()
	checkTopicResults(a.CreateTopics(c, []kafka.TopicSpecification{{Topic: name, NumPartitions: partitions, ReplicationFactor: 1, Config: configs}}))
}

func produce(extra kafka.ConfigMap, msgs []*kafka.Message) {
	p, err := kafka.NewProducer(conf(extra))
	must(err)
	defer p.Close()
	delivery := make(chan kafka.Event, len(msgs))
	for _, m := range msgs {
		must(p.Produce(m, delivery))
	}
	for range msgs {
		select {
		case e := <-delivery:
			if m, ok := e.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				panic(fmt.Errorf("delivery: %v", m.TopicPartition.Error))
			}
		case <-time.After(time.Until(deadline)):
			panic(fmt.Errorf("delivery timed out"))
		}
	}
}

func msg(topic, value string) *kafka.Message {
	return &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}, Value: []byte(value)}
}

func consumer(group string, extra kafka.ConfigMap) *kafka.Consumer {
	base := kafka.ConfigMap{"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": false,
		"session.timeout.ms": 10000, "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100}
	for k, v := range extra {
		base[k] = v
	}
	c, err := kafka.NewConsumer(conf(base))
	must(err)
	return c
}

func collect(c *kafka.Consumer, n int) []*kafka.Message {
	var out []*kafka.Message
	for len(out) < n && time.Now().Before(deadline.Add(-500*time.Millisecond)) {
		switch e := c.Poll(100).(type) {
		case *kafka.Message:
			if e.TopicPartition.Error != nil {
				panic(e.TopicPartition.Error)
			}
			out = append(out, e)
		case kafka.AssignedPartitions:
			must(c.Assign(e.Partitions))
		case kafka.RevokedPartitions:
			must(c.Unassign())
		}
	}
	return out
}

func valuesOf(ms []*kafka.Message) string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Value))
	}
	return strings.Join(out, ",")
}

func produceAndConsume(extra kafka.ConfigMap) {
	topic := prefix + "-t"
	createTopic(topic, 1, nil)
	var msgs []*kafka.Message
	var vs []string
	for i := 0; i < 20; i++ {
		v := fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", 50))
		vs = append(vs, v)
		msgs = append(msgs, msg(topic, v))
	}
	produce(extra, msgs)
	c := consumer(prefix+"-g", nil)
	defer c.Close()
	must(c.Subscribe(topic, nil))
	got := collect(c, 20)
	check(valuesOf(got) == strings.Join(vs, ","), "consumed %d/20", len(got))
	for i, m := range got {
		check(int(m.TopicPartition.Offset) == i, "offset %v at %d", m.TopicPartition.Offset, i)
	}
}

// member is a group member polled on its own goroutine, recording its assignment.
type member struct {
	mu    sync.Mutex
	parts []int32
	stop  chan struct{}
	done  chan struct{}
}

func join(group, topic string) *member {
	m := &member{stop: make(chan struct{}), done: make(chan struct{})}
	c := consumer(group, kafka.ConfigMap{"go.application.rebalance.enable": true})
	must(c.Subscribe(topic, nil))
	go func() {
		defer close(m.done)
		defer c.Close()
		for {
			select {
			case <-m.stop:
				return
			default:
			}
			switch e := c.Poll(50).(type) {
			case kafka.AssignedPartitions:
				c.Assign(e.Partitions)
				m.mu.Lock()
				m.parts = nil
				for _, p := range e.Partitions {
					m.parts = append(m.parts, p.Partition)
				}
				sort.Slice(m.parts, func(i, j int) bool { return m.parts[i] < m.parts[j] })
				m.mu.Unlock()
			case kafka.RevokedPartitions:
				c.Unassign()
				m.mu.Lock()
				m.parts = nil
				m.mu.Unlock()
			}
		}
	}()
	return m
}

func (m *member) assigned() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.parts)
}

func (m *member) leave() {
	close(m.stop)
	<-m.done
}

func waitUntil(cond func() bool, format string, args ...interface{}) {
	for time.Now().Before(deadline.Add(-500 * time.Millisecond)) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	panic(fmt.Errorf(format, args...))
}

var scenarios = map[string]func(){
	"connect": func() {
		a := admin()
		defer a.Close()
		md, err := a.GetMetadata(nil, true, remainingMs())
		must(err)
		check(len(md.Brokers) == 1, "brokers %v", md.Brokers)
	},
	"metadata-auto-create": func() {
		topic := prefix + "-auto"
		p, err := kafka.NewProducer(conf(nil)) // producers default to allow.auto.create.topics=true
		must(err)
		defer p.Close()
		for time.Now().Before(deadline.Add(-time.Second)) {
			md, err := p.GetMetadata(&topic, false, remainingMs())
			if err == nil && md.Topics[topic].Error.Code() == kafka.ErrNoError && len(md.Topics[topic].Partitions) == 1 {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		panic(fmt.Errorf("topic not auto-created"))
	},
	"topic-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 3, map[string]string{"retention.ms": "3600000"})
		a := admin()
		defer a.Close()
		md, err := a.GetMetadata(&topic, false, remainingMs())
		must(err)
		check(len(md.Topics[topic].Partitions) == 3, "partitions %d", len(md.Topics[topic].Partitions))
	},
	"topic-describe": func() {
		topic := prefix + "-t"
		createTopic(topic, 3, map[string]string{"cleanup.policy": "compact"})
		a := admin()
		defer a.Close()
		c, cancel := ctx()
		defer cancel()
		res, err := a.DescribeConfigs(c, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
		must(err)
		check(len(res) == 1 && res[0].Config["cleanup.policy"].Value == "compact", "configs %v", res)
	},
	"config-alter": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		a := admin()
		defer a.Close()
		c, cancel := ctx()
		defer cancel()
		_, err := a.AlterConfigs(c, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic, Config: []kafka.ConfigEntry{{Name: "retention.ms", Value: "123456"}}}})
		must(err)
		res, err := a.DescribeConfigs(c, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
		must(err)
		check(res[0].Config["retention.ms"].Value == "123456", "retention.ms %v", res[0].Config["retention.ms"])
	},
	"partitions-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		a := admin()
		defer a.Close()
		c, cancel := ctx()
		defer cancel()
		checkTopicResults(a.CreatePartitions(c, []kafka.PartitionsSpecification{{Topic: topic, IncreaseTo: 3}}))
		md, err := a.GetMetadata(&topic, false, remainingMs())
		must(err)
		check(len(md.Topics[topic].Partitions) == 3, "partitions %d", len(md.Topics[topic].Partitions))
	},
	"topic-delete": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		a := admin()
		defer a.Close()
		c, cancel := ctx()
		defer cancel()
		checkTopicResults(a.DeleteTopics(c, []string{topic}))
		md, err := a.GetMetadata(nil, true, remainingMs())
		must(err)
		_, still := md.Topics[topic]
		check(!still, "topic still listed")
	},
	"produce-keys": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		var msgs []*kafka.Message
		for i := 0; i < 12; i++ {
			m := msg(topic, fmt.Sprintf("k%d", i))
			m.Key = []byte(fmt.Sprintf("key-%d", i%3))
			msgs = append(msgs, m)
		}
		for i := 0; i < 6; i++ {
			msgs = append(msgs, msg(topic, fmt.Sprintf("u%d", i)))
		}
		produce(nil, msgs)
		c := consumer(prefix+"-g", nil)
		defer c.Close()
		must(c.Subscribe(topic, nil))
		got := collect(c, 18)
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
		for k, parts := range byKey {
			check(len(parts) == 1, "%s on partitions %v", k, parts)
		}
		check(unkeyed == 6, "unkeyed %d", unkeyed)
	},
	"produce-acks-0":   func() { produceAndConsume(kafka.ConfigMap{"acks": 0}) },
	"produce-acks-1":   func() { produceAndConsume(kafka.ConfigMap{"acks": 1}) },
	"produce-acks-all": func() { produceAndConsume(kafka.ConfigMap{"acks": "all"}) },
	"headers": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		m := msg(topic, "v")
		m.Headers = []kafka.Header{{Key: "trace-id", Value: []byte("abc")}, {Key: "empty", Value: []byte{}}}
		produce(nil, []*kafka.Message{m})
		c := consumer(prefix+"-g", nil)
		defer c.Close()
		must(c.Subscribe(topic, nil))
		got := collect(c, 1)
		check(len(got) == 1 && len(got[0].Headers) == 2 && got[0].Headers[0].Key == "trace-id" && string(got[0].Headers[0].Value) == "abc" && got[0].Headers[1].Key == "empty", "headers %v", got)
	},
	"large-message": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		value := strings.Repeat("L", 900*1024)
		produce(nil, []*kafka.Message{msg(topic, value), msg(topic, "after")})
		c := consumer(prefix+"-g", nil)
		defer c.Close()
		must(c.Subscribe(topic, nil))
		got := collect(c, 2)
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
		produce(nil, []*kafka.Message{msg(topic, "old-1"), msg(topic, "old-2")})
		c := consumer(prefix+"-g", kafka.ConfigMap{"auto.offset.reset": "latest"})
		defer c.Close()
		must(c.Subscribe(topic, nil))
		// Poll through the assignment and the asynchronous reset to the end offset.
		settle := time.Now().Add(2 * time.Second)
		for time.Now().Before(settle) {
			switch e := c.Poll(100).(type) {
			case *kafka.Message:
				panic(fmt.Errorf("consumed %s before producing", e.Value))
			case kafka.AssignedPartitions:
				must(c.Assign(e.Partitions))
			}
		}
		produce(nil, []*kafka.Message{msg(topic, "new-1")})
		got := collect(c, 1)
		check(valuesOf(got) == "new-1", "consumed %s", valuesOf(got))
	},
	"consume-committed": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(nil, []*kafka.Message{msg(topic, "a"), msg(topic, "b"), msg(topic, "c"), msg(topic, "d")})
		committer := consumer(prefix+"-g", nil)
		_, err := committer.CommitOffsets([]kafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: 2}})
		must(err)
		committed, err := committer.Committed([]kafka.TopicPartition{{Topic: &topic, Partition: 0}}, remainingMs())
		must(err)
		committer.Close()
		check(committed[0].Offset == 2, "committed %v", committed[0].Offset)
		c := consumer(prefix+"-g", nil)
		defer c.Close()
		must(c.Subscribe(topic, nil))
		got := collect(c, 2)
		check(valuesOf(got) == "c,d", "consumed %s", valuesOf(got))
	},
	"consume-timestamp": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		t0 := time.Now().Add(-time.Minute)
		var msgs []*kafka.Message
		for i, v := range []string{"a", "b", "c"} {
			m := msg(topic, v)
			m.Timestamp = t0.Add(time.Duration(i) * time.Second)
			msgs = append(msgs, m)
		}
		produce(nil, msgs)
		c := consumer(prefix+"-g", nil)
		defer c.Close()
		ts := t0.Add(500*time.Millisecond).UnixNano() / int64(time.Millisecond)
		found, err := c.OffsetsForTimes([]kafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: kafka.Offset(ts)}}, remainingMs())
		must(err)
		check(found[0].Offset == 1, "offset for timestamp %v", found[0].Offset)
		must(c.Assign(found))
		got := collect(c, 2)
		check(valuesOf(got) == "b,c", "consumed %s", valuesOf(got))
	},
	"group-members": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		a, b := join(prefix+"-g", topic), join(prefix+"-g", topic)
		defer a.leave()
		defer b.leave()
		waitUntil(func() bool { return a.assigned() == 2 && b.assigned() == 2 }, "assignments %d %d", a.assigned(), b.assigned())
	},
	"group-rebalance": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		a := join(prefix+"-g", topic)
		defer a.leave()
		waitUntil(func() bool { return a.assigned() == 4 }, "first member has %d", a.assigned())
		b := join(prefix+"-g", topic)
		waitUntil(func() bool { return a.assigned() == 2 && b.assigned() == 2 }, "after join %d %d", a.assigned(), b.assigned())
		b.leave()
		waitUntil(func() bool { return a.assigned() == 4 }, "after leave first has %d", a.assigned())
	},
	"group-resume": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(nil, []*kafka.Message{msg(topic, "a"), msg(topic, "b"), msg(topic, "c")})
		first := consumer(prefix+"-g", nil)
		must(first.Subscribe(topic, nil))
		got := collect(first, 3)
		check(valuesOf(got) == "a,b,c", "first consumer got %s", valuesOf(got))
		_, err := first.Commit()
		must(err)
		first.Close()
		produce(nil, []*kafka.Message{msg(topic, "d"), msg(topic, "e")})
		second := consumer(prefix+"-g", nil)
		defer second.Close()
		must(second.Subscribe(topic, nil))
		got = collect(second, 2)
		check(valuesOf(got) == "d,e", "second consumer got %s", valuesOf(got))
	},
	"idempotent":              func() { produceAndConsume(kafka.ConfigMap{"enable.idempotence": true}) },
	"group-consumer-protocol": func() { panic(unsupported("librdkafka 2.0.2 has no KIP-848 consumer")) },
	"group-protocol-upgrade":  func() { panic(unsupported("librdkafka 2.0.2 has no KIP-848 consumer")) },
	"group-describe":          func() { panic(unsupported("confluent-kafka-go 0.11.6 has no group admin API")) },
	"delete-records":          func() { panic(unsupported("confluent-kafka-go 0.11.6 has no DeleteRecords")) },
	"transactions":            func() { panic(unsupported("confluent-kafka-go 0.11.6 has no transactional API (added in 1.4)")) },
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		_, lib := kafka.LibraryVersion()
		out, _ := json.Marshal(map[string]string{"librdkafka": lib})
		fmt.Println(string(out))
		return
	}
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: confluent-go-runner <scenario> <bootstrap> <prefix>")
		os.Exit(2)
	}
	scenario := os.Args[1]
	bootstrap, prefix = os.Args[2], os.Args[3]
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
	out, _ := json.Marshal(verdict)
	fmt.Println(string(out))
}
