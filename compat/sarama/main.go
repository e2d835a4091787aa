// Sarama 1.22 (Debian's golang-github-shopify-sarama-dev) scenarios for the Samsa compat suite.
// Built offline in GOPATH mode by runner.ts.
//
// Usage: sarama-runner <scenario-id> <bootstrap> <unique-prefix>
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

	"github.com/Shopify/sarama"
)

type unsupported string

func (u unsupported) Error() string { return string(u) }

var (
	scenario, bootstrap, prefix string
	deadline                    = time.Now().Add(18 * time.Second)
)

func config() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_2_0_0 // the newest protocol level this sarama knows
	c.ClientID = "samsa-compat"
	c.Net.DialTimeout = 3 * time.Second
	c.Net.ReadTimeout = 8 * time.Second
	c.Metadata.Retry.Max = 2
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	c.Producer.Return.Successes = true
	c.Producer.Retry.Backoff = 100 * time.Millisecond
	c.Consumer.Return.Errors = true
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
	c.Consumer.Group.Session.Timeout = 10 * time.Second
	c.Consumer.Group.Rebalance.Timeout = 10 * time.Second
	return c
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

func admin() sarama.ClusterAdmin {
	a, err := sarama.NewClusterAdmin([]string{bootstrap}, config())
	must(err)
	return a
}

func createTopic(name string, partitions int32, configs map[string]*string) {
	a := admin()
	defer a.Close()
	must(a.CreateTopic(name, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1, ConfigEntries: configs}, false))
}

func str(s string) *string { return &s }

func produce(c *sarama.Config, msgs []*sarama.ProducerMessage) {
	p, err := sarama.NewSyncProducer([]string{bootstrap}, c)
	must(err)
	defer p.Close()
	if err := p.SendMessages(msgs); err != nil {
		if errs, ok := err.(sarama.ProducerErrors); ok && len(errs) > 0 {
			panic(fmt.Errorf("%v first: %v", err, errs[0].Err))
		}
		panic(err)
	}
}

func values(topic string, vs []string) []*sarama.ProducerMessage {
	out := make([]*sarama.ProducerMessage, len(vs))
	for i, v := range vs {
		out[i] = &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(v)}
	}
	return out
}

// consumePartition reads n messages of partition 0 from offset.
func consumePartition(topic string, partition int32, offset int64, n int) []*sarama.ConsumerMessage {
	c, err := sarama.NewConsumer([]string{bootstrap}, config())
	must(err)
	defer c.Close()
	pc, err := c.ConsumePartition(topic, partition, offset)
	must(err)
	defer pc.Close()
	var out []*sarama.ConsumerMessage
	timeout := time.After(time.Until(deadline) - 500*time.Millisecond)
	for len(out) < n {
		select {
		case m := <-pc.Messages():
			out = append(out, m)
		case e := <-pc.Errors():
			panic(e)
		case <-timeout:
			return out
		}
	}
	return out
}

func valuesOf(ms []*sarama.ConsumerMessage) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, string(m.Value))
	}
	return out
}

func produceAndConsume(mutate func(*sarama.Config)) {
	topic := prefix + "-t"
	createTopic(topic, 1, nil)
	c := config()
	mutate(c)
	vs := []string{}
	for i := 0; i < 20; i++ {
		vs = append(vs, fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", 50)))
	}
	produce(c, values(topic, vs))
	got := consumePartition(topic, 0, sarama.OffsetOldest, 20)
	check(strings.Join(valuesOf(got), ",") == strings.Join(vs, ","), "consumed %d/20", len(got))
	for i, m := range got {
		check(m.Offset == int64(i), "offset %d at %d", m.Offset, i)
	}
}

// member is one consumer-group member that records its latest assignment.
type member struct {
	mu       sync.Mutex
	claims   []int32
	group    sarama.ConsumerGroup
	cancel   context.CancelFunc
	done     chan struct{}
	messages []string
}

func (m *member) Setup(s sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims = nil
	for _, ps := range s.Claims() {
		m.claims = append(m.claims, ps...)
	}
	sort.Slice(m.claims, func(i, j int) bool { return m.claims[i] < m.claims[j] })
	return nil
}
func (m *member) Cleanup(sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims = nil
	return nil
}
func (m *member) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for msg := range c.Messages() {
		m.mu.Lock()
		m.messages = append(m.messages, string(msg.Value))
		m.mu.Unlock()
		s.MarkMessage(msg, "")
	}
	return nil
}
func (m *member) assigned() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.claims)
}
func (m *member) consumed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string{}, m.messages...)
}

func join(groupID, topic string) *member {
	g, err := sarama.NewConsumerGroup([]string{bootstrap}, groupID, config())
	must(err)
	ctx, cancel := context.WithCancel(context.Background())
	m := &member{group: g, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, m); err != nil {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	return m
}

func (m *member) leave() {
	m.cancel()
	m.group.Close()
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
		brokers, controller, err := a.DescribeCluster()
		must(err)
		// sarama 1.22's DescribeCluster asks Metadata v0, which has no controller id (-1).
		check(len(brokers) == 1 && (controller == brokers[0].ID() || controller == -1), "brokers %d controller %d", len(brokers), controller)
	},
	"metadata-auto-create": func() {
		topic := prefix + "-auto"
		client, err := sarama.NewClient([]string{bootstrap}, config())
		must(err)
		defer client.Close()
		parts, err := client.Partitions(topic) // Metadata with allow_auto_topic_creation
		must(err)
		check(len(parts) == 1, "partitions %v", parts)
	},
	"topic-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 3, map[string]*string{"retention.ms": str("3600000")})
		a := admin()
		defer a.Close()
		topics, err := a.ListTopics()
		must(err)
		check(topics[topic].NumPartitions == 3, "listed %v", topics[topic])
		err = a.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false)
		check(err != nil && strings.Contains(err.Error(), "already exists"), "duplicate create: %v", err)
	},
	"topic-describe": func() {
		topic := prefix + "-t"
		createTopic(topic, 3, map[string]*string{"cleanup.policy": str("compact")})
		a := admin()
		defer a.Close()
		md, err := a.DescribeTopics([]string{topic})
		must(err)
		check(len(md) == 1 && len(md[0].Partitions) == 3 && md[0].Partitions[0].Leader >= 0, "metadata %+v", md)
		entries, err := a.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{"cleanup.policy"}})
		must(err)
		check(len(entries) == 1 && entries[0].Value == "compact", "configs %+v", entries)
	},
	"config-alter": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		a := admin()
		defer a.Close()
		must(a.AlterConfig(sarama.TopicResource, topic, map[string]*string{"retention.ms": str("123456")}, false))
		entries, err := a.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{"retention.ms"}})
		must(err)
		check(len(entries) == 1 && entries[0].Value == "123456", "configs %+v", entries)
	},
	"partitions-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		a := admin()
		defer a.Close()
		must(a.CreatePartitions(topic, 3, nil, false))
		md, err := a.DescribeTopics([]string{topic})
		must(err)
		check(len(md[0].Partitions) == 3, "partitions %d", len(md[0].Partitions))
	},
	"topic-delete": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		a := admin()
		defer a.Close()
		must(a.DeleteTopic(topic))
		topics, err := a.ListTopics()
		must(err)
		_, still := topics[topic]
		check(!still, "topic still listed")
	},
	"delete-records": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(config(), values(topic, []string{"a", "b", "c", "d"}))
		a := admin()
		defer a.Close()
		must(a.DeleteRecords(topic, map[int32]int64{0: 2}))
		got := consumePartition(topic, 0, sarama.OffsetOldest, 2)
		check(strings.Join(valuesOf(got), ",") == "c,d", "consumed %v", valuesOf(got))
	},
	"produce-keys": func() {
		topic := prefix + "-t"
		createTopic(topic, 4, nil)
		c := config()
		c.Producer.RequiredAcks = sarama.WaitForAll
		var msgs []*sarama.ProducerMessage
		for i := 0; i < 12; i++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("key-%d", i%3)), Value: sarama.StringEncoder(fmt.Sprintf("k%d", i))})
		}
		for i := 0; i < 6; i++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(fmt.Sprintf("u%d", i))})
		}
		produce(c, msgs)
		byKey := map[string]map[int32]bool{}
		unkeyed := 0
		for p := int32(0); p < 4; p++ {
			client, err := sarama.NewClient([]string{bootstrap}, config())
			must(err)
			high, err := client.GetOffset(topic, p, sarama.OffsetNewest)
			must(err)
			client.Close()
			for _, m := range consumePartition(topic, p, sarama.OffsetOldest, int(high)) {
				if m.Key == nil {
					unkeyed++
					continue
				}
				if byKey[string(m.Key)] == nil {
					byKey[string(m.Key)] = map[int32]bool{}
				}
				byKey[string(m.Key)][p] = true
			}
		}
		for k, parts := range byKey {
			check(len(parts) == 1, "%s on partitions %v", k, parts)
		}
		check(len(byKey) == 3 && unkeyed == 6, "keys %d unkeyed %d", len(byKey), unkeyed)
	},
	"produce-acks-0":   func() { produceAndConsume(func(c *sarama.Config) { c.Producer.RequiredAcks = sarama.NoResponse }) },
	"produce-acks-1":   func() { produceAndConsume(func(c *sarama.Config) { c.Producer.RequiredAcks = sarama.WaitForLocal }) },
	"produce-acks-all": func() { produceAndConsume(func(c *sarama.Config) { c.Producer.RequiredAcks = sarama.WaitForAll }) },
	"headers": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(config(), []*sarama.ProducerMessage{{Topic: topic, Value: sarama.StringEncoder("v"), Headers: []sarama.RecordHeader{{Key: []byte("trace-id"), Value: []byte("abc")}, {Key: []byte("empty"), Value: []byte{}}}}})
		got := consumePartition(topic, 0, sarama.OffsetOldest, 1)
		check(len(got) == 1 && len(got[0].Headers) == 2, "consumed %d", len(got))
		h := got[0].Headers
		check(string(h[0].Key) == "trace-id" && string(h[0].Value) == "abc" && string(h[1].Key) == "empty" && len(h[1].Value) == 0, "headers %v", h)
	},
	"large-message": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		value := strings.Repeat("L", 900*1024)
		c := config()
		c.Producer.MaxMessageBytes = 1000000
		produce(c, values(topic, []string{value, "after"}))
		got := consumePartition(topic, 0, sarama.OffsetOldest, 2)
		check(len(got) == 2 && string(got[0].Value) == value && string(got[1].Value) == "after", "consumed %d", len(got))
	},
	"compression-gzip": func() { produceAndConsume(func(c *sarama.Config) { c.Producer.Compression = sarama.CompressionGZIP }) },
	"compression-snappy": func() {
		produceAndConsume(func(c *sarama.Config) { c.Producer.Compression = sarama.CompressionSnappy })
	},
	"compression-lz4":  func() { produceAndConsume(func(c *sarama.Config) { c.Producer.Compression = sarama.CompressionLZ4 }) },
	"compression-zstd": func() { produceAndConsume(func(c *sarama.Config) { c.Producer.Compression = sarama.CompressionZSTD }) },
	"consume-earliest": func() { produceAndConsume(func(*sarama.Config) {}) },
	"consume-latest": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(config(), values(topic, []string{"old-1", "old-2"}))
		c, err := sarama.NewConsumer([]string{bootstrap}, config())
		must(err)
		defer c.Close()
		pc, err := c.ConsumePartition(topic, 0, sarama.OffsetNewest) // resolved before it returns
		must(err)
		defer pc.Close()
		produce(config(), values(topic, []string{"new-1"}))
		select {
		case m := <-pc.Messages():
			check(string(m.Value) == "new-1", "consumed %s", m.Value)
		case <-time.After(time.Until(deadline) - time.Second):
			panic(fmt.Errorf("new record not consumed"))
		}
	},
	"consume-committed": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(config(), values(topic, []string{"a", "b", "c", "d"}))
		group := prefix + "-g"
		client, err := sarama.NewClient([]string{bootstrap}, config())
		must(err)
		om, err := sarama.NewOffsetManagerFromClient(group, client)
		must(err)
		pom, err := om.ManagePartition(topic, 0)
		must(err)
		pom.MarkOffset(2, "")
		pom.Close()
		om.Close() // flushes the commit
		client.Close()
		a := admin()
		defer a.Close()
		offsets, err := a.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0}})
		must(err)
		committed := offsets.GetBlock(topic, 0)
		check(committed != nil && committed.Offset == 2, "committed %+v", committed)
		m := join(group, topic)
		defer m.leave()
		waitUntil(func() bool { return len(m.consumed()) >= 2 }, "consumed %v", m.consumed())
		check(strings.Join(m.consumed(), ",") == "c,d", "consumed %v", m.consumed())
	},
	"consume-timestamp": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		t0 := time.Now().Add(-time.Minute)
		var msgs []*sarama.ProducerMessage
		for i, v := range []string{"a", "b", "c"} {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(v), Timestamp: t0.Add(time.Duration(i) * time.Second)})
		}
		produce(config(), msgs)
		client, err := sarama.NewClient([]string{bootstrap}, config())
		must(err)
		defer client.Close()
		offset, err := client.GetOffset(topic, 0, t0.Add(500*time.Millisecond).UnixNano()/int64(time.Millisecond))
		must(err)
		if offset != 1 {
			var ts []string
			for _, m := range consumePartition(topic, 0, sarama.OffsetOldest, 3) {
				ts = append(ts, fmt.Sprintf("%d@%d", m.Offset, m.Timestamp.UnixNano()/int64(time.Millisecond)))
			}
			panic(fmt.Errorf("offset for timestamp %d is %d; stored %v", t0.UnixNano()/int64(time.Millisecond)+500, offset, ts))
		}
		got := consumePartition(topic, 0, offset, 2)
		check(strings.Join(valuesOf(got), ",") == "b,c", "consumed %v", valuesOf(got))
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
		produce(config(), values(topic, []string{"a", "b", "c"}))
		first := join(prefix+"-g", topic)
		waitUntil(func() bool { return len(first.consumed()) >= 3 }, "first consumer got %v", first.consumed())
		first.leave() // commits the marked offsets
		produce(config(), values(topic, []string{"d", "e"}))
		second := join(prefix+"-g", topic)
		defer second.leave()
		waitUntil(func() bool { return len(second.consumed()) >= 2 }, "second consumer got %v", second.consumed())
		time.Sleep(300 * time.Millisecond)
		check(strings.Join(second.consumed(), ",") == "d,e", "second consumer got %v", second.consumed())
	},
	"group-describe": func() {
		topic := prefix + "-t"
		createTopic(topic, 1, nil)
		produce(config(), values(topic, []string{"a", "b", "c", "d"}))
		group := prefix + "-g"
		m := join(group, topic)
		waitUntil(func() bool { return len(m.consumed()) >= 4 }, "consumed %v", m.consumed())
		a := admin()
		defer a.Close()
		groups, err := a.ListConsumerGroups()
		must(err)
		check(groups[group] == "consumer", "ListConsumerGroups %v", groups)
		described, err := a.DescribeConsumerGroups([]string{group})
		must(err)
		check(len(described) == 1 && described[0].State == "Stable" && len(described[0].Members) == 1, "described %+v", described)
		m.leave() // commits offset 4
		offsets, err := a.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0}})
		must(err)
		check(offsets.GetBlock(topic, 0).Offset == 4, "committed %+v", offsets.GetBlock(topic, 0))
	},
	"group-consumer-protocol": func() { panic(unsupported("sarama 1.22 implements only the classic group protocol")) },
	"group-protocol-upgrade":  func() { panic(unsupported("sarama 1.22 implements only the classic group protocol")) },
	"idempotent": func() {
		produceAndConsume(func(c *sarama.Config) {
			c.Producer.Idempotent = true
			c.Producer.RequiredAcks = sarama.WaitForAll
			c.Producer.Retry.Max = 3
			c.Net.MaxOpenRequests = 1
		})
	},
	"transactions": func() { panic(unsupported("sarama 1.22 has no transactional producer (added in 1.37)")) },
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: sarama-runner <scenario> <bootstrap> <prefix>")
		os.Exit(2)
	}
	scenario, bootstrap, prefix = os.Args[1], os.Args[2], os.Args[3]
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
