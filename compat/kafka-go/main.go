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
	"os"
	"strings"
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
		w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{bootstrap}, Topic: topic, CompressionCodec: codec, BatchTimeout: 10 * time.Millisecond})
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
	"group-members":           func() { produceAndConsume(nil) },
	"group-rebalance":         func() { produceAndConsume(nil) },
	"group-resume":            func() { produceAndConsume(nil) },
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
