// segmentio/kafka-go 0.2.1 (Debian's golang-github-segmentio-kafka-go-dev) scenarios for the
// Samsa compat suite. This release speaks only the pre-KIP-98 protocol: Produce v2 with message
// format v1 and Fetch v2, both removed by Kafka 4.0 (KIP-896, KIP-724). The runner drives it
// anyway and reports what the broker says, so the ledger records exactly where it stops.
//
// Usage: kafka-go-runner <scenario-id> <bootstrap> <unique-prefix>
// Prints one JSON verdict as the last stdout line (see compat/harness/external.ts).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
	"github.com/segmentio/kafka-go/lz4"
	"github.com/segmentio/kafka-go/snappy"
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

func dial() *kafka.Conn {
	c, err := kafka.Dial("tcp", bootstrap)
	must(err)
	must(c.SetDeadline(deadline))
	return c
}

func createTopic(name string, partitions int) {
	c := dial()
	defer c.Close()
	must(c.CreateTopics(kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1}))
}

func leader(topic string) *kafka.Conn {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	c, err := kafka.DialLeader(ctx, "tcp", bootstrap, topic, 0)
	must(err)
	must(c.SetDeadline(deadline))
	return c
}

// produceAndConsume writes two records and reads them back: the first step of every produce,
// consume and group scenario, and as far as this client gets against a Kafka 4 protocol broker.
func produceAndConsume(codec kafka.CompressionCodec) {
	topic := prefix + "-t"
	createTopic(topic, 1)
	c := leader(topic)
	defer c.Close()
	if codec != nil { // the Conn API has no codec; a Writer carries it
		w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{bootstrap}, Topic: topic, CompressionCodec: codec, BatchTimeout: 10 * time.Millisecond,
			// One retry: a broker that closes the connection on Produce v2 closes it every time (8 s saved).
			MaxAttempts: 2})
		defer w.Close()
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if err := w.WriteMessages(ctx, kafka.Message{Value: []byte("a")}, kafka.Message{Value: []byte("b")}); err != nil {
			panic(fmt.Errorf("produce: %v", err))
		}
	} else {
		if _, err := c.WriteMessages(kafka.Message{Value: []byte("a")}, kafka.Message{Value: []byte("b")}); err != nil {
			panic(fmt.Errorf("produce: %v", err))
		}
	}
	var got []string
	for len(got) < 2 {
		m, err := c.ReadMessage(1 << 20)
		if err != nil {
			panic(fmt.Errorf("fetch: %v", err))
		}
		got = append(got, string(m.Value))
	}
	check(strings.Join(got, ",") == "a,b", "consumed %v", got)
}

// member is one Reader in a consumer group. kafka-go 0.2.1 has no API for a Reader's assignment,
// but its Logger reports each one ("subscribed to partitions: map[0:-2 1:-2]", after JoinGroup
// v1, SyncGroup v0 and OffsetFetch v1) and each rebalance; the member follows those lines. Its
// fetches (Fetch v2) fail against a Kafka 4 broker (F2); the group protocol does not need them.
type member struct {
	reader *kafka.Reader
	mu     sync.Mutex
	parts  []int // nil while (re)joining
	buf    string
}

var subscribedLine = regexp.MustCompile(`subscribed to partitions: map\[([^\]]*)\]`)
var partitionKey = regexp.MustCompile(`(\d+):-?\d+`)

func (m *member) Write(b []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf += string(b)
	for {
		i := strings.IndexByte(m.buf, '\n')
		if i < 0 {
			break
		}
		line := m.buf[:i]
		m.buf = m.buf[i+1:]
		if strings.Contains(line, "rebalancing consumer group") {
			m.parts = nil
		} else if sub := subscribedLine.FindStringSubmatch(line); sub != nil {
			parts := []int{}
			for _, kv := range partitionKey.FindAllStringSubmatch(sub[1], -1) {
				n, _ := strconv.Atoi(kv[1])
				parts = append(parts, n)
			}
			sort.Ints(parts)
			m.parts = parts
		}
	}
	return len(b), nil
}

func (m *member) assigned() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int(nil), m.parts...)
}

func join(topic, group string) *member {
	m := &member{}
	m.reader = kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{bootstrap},
		GroupID:           group,
		Topic:             topic,
		HeartbeatInterval: 300 * time.Millisecond,
		SessionTimeout:    6 * time.Second,
		RebalanceTimeout:  5 * time.Second,
		MaxWait:           100 * time.Millisecond,
		Logger:            log.New(m, "", 0),
		ErrorLogger:       log.New(os.Stderr, "kafka-go: ", 0),
	})
	return m
}

func waitFor(cond func() bool, describe func() string) {
	for time.Now().Before(deadline.Add(-500 * time.Millisecond)) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	panic(fmt.Errorf("%s", describe()))
}

func ints(p []int, want ...int) bool {
	return fmt.Sprint(p) == fmt.Sprint(want)
}

// split says whether the members hold two partitions each, together all four.
func split(a, b *member) bool {
	pa, pb := a.assigned(), b.assigned()
	all := append(append([]int{}, pa...), pb...)
	sort.Ints(all)
	return len(pa) == 2 && len(pb) == 2 && ints(all, 0, 1, 2, 3)
}

var scenarios = map[string]func(){
	"connect": func() {
		c := dial()
		defer c.Close()
		_, err := c.ReadPartitions()
		must(err)
	},
	"metadata-auto-create": func() {
		topic := prefix + "-auto"
		c := dial()
		defer c.Close()
		parts, err := c.ReadPartitions(topic) // Metadata v0 auto-creates per broker config
		must(err)
		check(len(parts) == 1, "partitions %v", parts)
	},
	"topic-create": func() {
		topic := prefix + "-t"
		createTopic(topic, 3)
		c := dial()
		defer c.Close()
		parts, err := c.ReadPartitions(topic)
		must(err)
		check(len(parts) == 3, "partitions %d", len(parts))
	},
	"topic-delete": func() {
		topic := prefix + "-t"
		createTopic(topic, 1)
		c := dial()
		defer c.Close()
		must(c.DeleteTopics(topic))
	},
	"topic-describe":          func() { panic(unsupported("kafka-go 0.2.1 cannot describe configs")) },
	"config-alter":            func() { panic(unsupported("kafka-go 0.2.1 cannot alter configs")) },
	"partitions-create":       func() { panic(unsupported("kafka-go 0.2.1 cannot create partitions")) },
	"delete-records":          func() { panic(unsupported("kafka-go 0.2.1 cannot delete records")) },
	"headers":                 func() { panic(unsupported("kafka-go 0.2.1 writes message format v1, which has no headers")) },
	"compression-zstd":        func() { panic(unsupported("kafka-go 0.2.1 has no zstd codec")) },
	"group-consumer-protocol": func() { panic(unsupported("kafka-go 0.2.1 implements only the classic group protocol")) },
	"group-protocol-upgrade":  func() { panic(unsupported("kafka-go 0.2.1 implements only the classic group protocol")) },
	"group-describe":          func() { panic(unsupported("kafka-go 0.2.1 has no group admin API")) },
	"idempotent":              func() { panic(unsupported("kafka-go 0.2.1 has no idempotent producer")) },
	"transactions":            func() { panic(unsupported("kafka-go 0.2.1 has no transactions")) },
	"produce-keys":            func() { produceAndConsume(nil) },
	"large-message":           func() { produceAndConsume(nil) },
	"produce-acks-0":          func() { produceAndConsume(nil) },
	"produce-acks-1":          func() { produceAndConsume(nil) },
	"produce-acks-all":        func() { produceAndConsume(nil) },
	"compression-gzip":        func() { produceAndConsume(gzip.NewCompressionCodec()) },
	"compression-snappy":      func() { produceAndConsume(snappy.NewCompressionCodec()) },
	"compression-lz4":         func() { produceAndConsume(lz4.NewCompressionCodec()) },
	"consume-earliest":        func() { produceAndConsume(nil) },
	"consume-latest":          func() { produceAndConsume(nil) },
	"consume-committed":       func() { produceAndConsume(nil) },
	"consume-timestamp":       func() { produceAndConsume(nil) },
	"group-members": func() {
		topic, group := prefix+"-t", prefix+"-g"
		createTopic(topic, 4)
		a, b := join(topic, group), join(topic, group)
		defer a.reader.Close()
		defer b.reader.Close()
		waitFor(func() bool { return split(a, b) },
			func() string { return fmt.Sprintf("assignments %v %v", a.assigned(), b.assigned()) })
	},
	"group-rebalance": func() {
		topic, group := prefix+"-t", prefix+"-g"
		createTopic(topic, 4)
		a := join(topic, group)
		defer a.reader.Close()
		waitFor(func() bool { return ints(a.assigned(), 0, 1, 2, 3) },
			func() string { return fmt.Sprintf("first member has %v", a.assigned()) })
		b := join(topic, group)
		waitFor(func() bool { return split(a, b) },
			func() string { return fmt.Sprintf("after join: %v %v", a.assigned(), b.assigned()) })
		// kafka-go 0.2.1's Close cancels the Reader's context before it dials the coordinator for
		// LeaveGroup, so no LeaveGroup is sent (with Apache Kafka too): the broker sees the member
		// leave when its session (6 s) expires, and rebalances then.
		must(b.reader.Close())
		waitFor(func() bool { return ints(a.assigned(), 0, 1, 2, 3) },
			func() string { return fmt.Sprintf("after leave, first member has %v", a.assigned()) })
	},
	"group-resume": func() { produceAndConsume(nil) },
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: kafka-go-runner <scenario> <bootstrap> <prefix>")
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
