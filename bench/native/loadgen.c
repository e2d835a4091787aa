/*
 * loadgen: the load generator of the broker benchmarks (bench/broker.ts), written against
 * librdkafka so that the client side is not the bottleneck. One mode per run; every mode prints
 * exactly one JSON object on stdout (diagnostics go to stderr). Exit code 0 when the mode reached
 * its target, 1 when it did not (the JSON still says how far it got), 2 on bad arguments.
 * produce and consume also report clientCpuSeconds, the generator's own CPU (all threads).
 *
 *   loadgen produce  --bootstrap B --topic T --count N --size S [--partitions P] [--acks all]
 *                    [--linger-ms 5] [--batch-size 1048576] [--compression none] [--rate R]
 *                    [--warmup W] [--producers N] [--windows K] [--timeout-s 120]
 *       Produces N messages of S bytes. With --partitions P, message i goes to partition i % P
 *       (the same spread on every broker); otherwise librdkafka's partitioner picks. --rate R paces
 *       the sends at R msg/s (W4); --warmup W first produces and flushes W messages that are not
 *       measured. Ack latency is enqueue → acknowledgement, timed where librdkafka's I/O thread
 *       receives it (an on_acknowledgement interceptor), as kafka-producer-perf-test times it in
 *       the callback its producer's I/O thread runs; the delivery report reaches the generator's
 *       thread later, after a thread wake-up that would otherwise count as broker latency.
 *       Between paced sends the generator sleeps (it does not spin: the broker shares the machine).
 *       startNs/endNs: CLOCK_MONOTONIC at the first measured send and at the last acknowledgement,
 *       so that runs of several generators at once can be timed over their common window.
 *       --producers N: N producers in this process (W7), each a separate client (its own
 *       rd_kafka_t: own connections, own I/O threads) writing to its own topic T<k> (T is then a
 *       prefix: --topic w7- gives w7-0 … w7-<N-1>); this one thread enqueues message i on
 *       producer i % N, so the generator's own overhead does not grow with N as N processes'
 *       would. The figures are the N producers' aggregate.
 *       --windows K: also the ack latency of K equal slices of the measured run by send time
 *       ("windows": [{n, p50, p99, max}...]), to see latency drift over a long run (W8).
 *   loadgen consume  --bootstrap B --topic T --partitions P --count N [--timeout-s 60]
 *       Reads every partition from the earliest offset (legacy per-partition consumer, no group)
 *       until N messages have arrived. Throughput is timed from the first message to the last.
 *   loadgen consume  --bootstrap B --topic T --group G --count N [--timeout-s 60]
 *       A classic-group consumer: subscribe, auto.offset.reset=earliest, read N messages. Reports
 *       when the first assignment and the first message arrived.
 *   loadgen probe    --bootstrap B [--topic T [--create 1]] [--timeout-s 30]
 *       W5: waits until the port accepts TCP (1 ms polling), then has librdkafka fetch metadata
 *       (ApiVersions + Metadata), then, with --topic, produces one message (acks=all) and waits
 *       for its acknowledgement; --create 1 first creates T (1 partition) with CreateTopics, as a
 *       test suite does, instead of relying on auto-creation and the client's metadata retries.
 *       The topic's metadata is requested before the produce (see mode_probe).
 *   LOADGEN_DEBUG=metadata,topic,... in the environment turns on librdkafka's debug log. Reports CLOCK_MONOTONIC nanoseconds, which are comparable with
 *       Node's process.hrtime.bigint() on Linux.
 *   loadgen create   --bootstrap B --topics NAME:P[,NAME:P...] [--timeout-s 120]
 *   loadgen create   --bootstrap B --prefix X --topics-count K --partitions P [--timeout-s 120]
 *       CreateTopics through the admin API, one request; reports its duration.
 *   loadgen delete   --bootstrap B --topics NAME[,NAME...] [--timeout-s 60]
 *       DeleteTopics through the admin API (frees a finished workload's data).
 *   loadgen metadata --bootstrap B [--repeat 5] [--timeout-s 30]
 *       Times full Metadata requests (all topics) after a first connection.
 *   loadgen group    --bootstrap B --topic T --group G --members M [--timeout-s 120]
 *       M classic-group consumers in this process subscribe to T (which should have at least M
 *       partitions); reports the time until every member holds a share of a complete assignment.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------- small helpers ---------- */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The generator's own CPU seconds (all threads), reported so that a run can be read as
 * client-bound or broker-bound. */
static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static void sleep_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
  nanosleep(&ts, NULL);
}

static int g_argc;
static char **g_argv;

static const char *opt(const char *name, const char *def) {
  for (int i = 2; i + 1 < g_argc; i++)
    if (strcmp(g_argv[i], name) == 0) return g_argv[i + 1];
  return def;
}

static long long opt_ll(const char *name, long long def) {
  const char *v = opt(name, NULL);
  if (!v) return def;
  char *end;
  long long n = strtoll(v, &end, 10);
  if (*end != '\0' || n < 0) {
    fprintf(stderr, "loadgen: %s expects a non-negative integer, got '%s'\n", name, v);
    exit(2);
  }
  return n;
}

static const char *required(const char *name) {
  const char *v = opt(name, NULL);
  if (!v) {
    fprintf(stderr, "loadgen: %s is required\n", name);
    exit(2);
  }
  return v;
}

/* JSON string with the characters JSON requires escaped. */
static void json_str(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "loadgen: config %s=%s: %s\n", k, v, errstr);
    exit(2);
  }
}

static rd_kafka_conf_t *base_conf(const char *bootstrap) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "log_level", "3");
  /* Reconnect quickly: the default 100 ms back-off would dominate the startup probes. */
  set(conf, "reconnect.backoff.ms", "10");
  set(conf, "reconnect.backoff.max.ms", "100");
  if (getenv("LOADGEN_DEBUG")) set(conf, "debug", getenv("LOADGEN_DEBUG"));
  return conf;
}

static rd_kafka_t *make(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
  char errstr[512];
  rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "loadgen: rd_kafka_new: %s\n", errstr);
    exit(1);
  }
  return rk;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const float *v, size_t n, double p) {
  if (n == 0) return 0;
  size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

/* ---------- produce ---------- */

static uint64_t *p_enq;   /* enqueue time per measured message */
static uint64_t *p_ack;   /* acknowledgement time per measured message (librdkafka's I/O thread) */
static float *p_lat;      /* ack latency (ms) per acknowledged measured message */
static size_t p_nlat;
static long long p_acked, p_errors, p_warm_acked;
static uint64_t p_last_ack;
static char p_first_error[256];

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  intptr_t idx = (intptr_t)m->_private;
  uint64_t t = now_ns();
  if (m->err) {
    if (p_errors++ == 0)
      snprintf(p_first_error, sizeof p_first_error, "%s", rd_kafka_err2str(m->err));
    return;
  }
  if (idx < 0) {
    p_warm_acked++;
    return;
  }
  /* p_ack[idx] was written before librdkafka queued this report (its queue lock orders them). */
  if (p_ack[idx]) t = p_ack[idx];
  else p_ack[idx] = t; /* the per-window figures (--windows) read it */
  p_acked++;
  if (t > p_last_ack) p_last_ack = t;
  p_lat[p_nlat++] = (float)((double)(t - p_enq[idx]) / 1e6);
}

/* Runs on librdkafka's broker thread as an acknowledgement arrives: only a timestamp store. */
static rd_kafka_resp_err_t on_ack(rd_kafka_t *rk, rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  intptr_t idx = (intptr_t)m->_private;
  if (!m->err && idx >= 0) p_ack[idx] = now_ns();
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t on_new(rd_kafka_t *rk, const rd_kafka_conf_t *conf, void *opaque,
                                  char *errstr, size_t errstr_size) {
  (void)conf;
  (void)errstr;
  (void)errstr_size;
  return rd_kafka_interceptor_add_on_acknowledgement(rk, "loadgen-ack-time", on_ack, opaque);
}

static int produce_one(rd_kafka_topic_t *rkt, int32_t part, char *payload, size_t size, intptr_t idx,
                       rd_kafka_t *rk) {
  for (;;) {
    if (rd_kafka_produce(rkt, part, 0, payload, size, NULL, 0, (void *)idx) == 0) return 0;
    rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (p_errors++ == 0)
        snprintf(p_first_error, sizeof p_first_error, "produce: %s", rd_kafka_err2str(err));
      return -1;
    }
    rd_kafka_poll(rk, 1);
  }
}

/* The producers of this run (--producers N): separate clients, each its own rd_kafka_t with its
 * own connections and threads, fed by this one thread; message i goes to producer i % N. */
#define MAX_PRODUCERS 64
static int p_n = 1;
static rd_kafka_t *p_rk[MAX_PRODUCERS];
static rd_kafka_topic_t *p_rkt[MAX_PRODUCERS];

static void poll_all(void) {
  for (int k = 0; k < p_n; k++) rd_kafka_poll(p_rk[k], 0);
}

/* Sleeps until `target` (CLOCK_MONOTONIC ns), then serves the delivery reports that arrived. */
static void wait_until(uint64_t target) {
  struct timespec ts = {(time_t)(target / 1000000000ull), (long)(target % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
  poll_all();
}

/* Produces messages [0, n): paced at one per `interval` ns from now when interval > 0, and timed
 * (p_enq, delivery report idx = i) when `measured`; warm-up messages carry idx -1. Returns how
 * many were enqueued (fewer on an error or past the deadline). */
static long long produce_run(long long n, long long partitions, char *payload, size_t size,
                             uint64_t interval, int measured, uint64_t deadline) {
  uint64_t start = now_ns();
  long long i = 0;
  for (; i < n; i++) {
    if (interval) wait_until(start + (uint64_t)i * interval);
    if ((interval || (i & 1023) == 0) && now_ns() > deadline) break;
    int k = (int)(i % p_n);
    long long nth = i / p_n; /* this producer's nth message */
    int32_t part = partitions > 0 ? (int32_t)(nth % partitions) : RD_KAFKA_PARTITION_UA;
    if (measured) p_enq[i] = now_ns();
    if (produce_one(p_rkt[k], part, payload, size, measured ? (intptr_t)i : -1, p_rk[k]) != 0) break;
    if (interval || (i & 1023) == 0) poll_all();
  }
  return i;
}

/* One producer client with the run's settings. */
static rd_kafka_t *make_producer(const char *bootstrap) {
  rd_kafka_conf_t *conf = base_conf(bootstrap);
  set(conf, "acks", opt("--acks", "all"));
  set(conf, "linger.ms", opt("--linger-ms", "5"));
  set(conf, "batch.size", opt("--batch-size", "1048576"));
  set(conf, "compression.codec", opt("--compression", "none"));
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  set(conf, "message.max.bytes", "10000000");
  /* No idempotence: the mock and Samsa then see the same plain acks=all produce path. */
  set(conf, "enable.idempotence", "false");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_conf_interceptor_add_on_new(conf, "loadgen-ack-time", on_new, NULL);
  return make(RD_KAFKA_PRODUCER, conf);
}

/* ,"windows":[...]: messages [0, sent) split into k equal spans of send time, the ack latency
 * percentiles of each span's acknowledged messages. */
static void print_windows(long long sent, int k) {
  uint64_t t0 = sent > 0 ? p_enq[0] : 0, t1 = sent > 0 ? p_enq[sent - 1] + 1 : 1;
  float *lat = malloc((size_t)(sent > 0 ? sent : 1) * sizeof *lat);
  printf(",\"windows\":[");
  long long i = 0;
  for (int w = 0; w < k; w++) {
    uint64_t end = t0 + (uint64_t)((double)(t1 - t0) * (w + 1) / k);
    size_t n = 0;
    for (; i < sent && (p_enq[i] < end || w == k - 1); i++)
      if (p_ack[i]) lat[n++] = (float)((double)(p_ack[i] - p_enq[i]) / 1e6);
    qsort(lat, n, sizeof *lat, cmp_float);
    printf("%s{\"n\":%zu,\"p50\":%.4f,\"p99\":%.4f,\"max\":%.4f}", w ? "," : "", n, pct(lat, n, 50),
           pct(lat, n, 99), n ? lat[n - 1] : 0.0);
  }
  printf("]");
  free(lat);
}

static int mode_produce(void) {
  const char *bootstrap = required("--bootstrap");
  const char *topic = required("--topic");
  long long count = opt_ll("--count", 0), size = opt_ll("--size", 100);
  long long partitions = opt_ll("--partitions", 0), rate = opt_ll("--rate", 0);
  long long warmup = opt_ll("--warmup", 0), timeout_s = opt_ll("--timeout-s", 120);
  long long producers = opt_ll("--producers", 0), windows = opt_ll("--windows", 0);
  if (count <= 0) {
    fprintf(stderr, "loadgen: --count must be positive\n");
    return 2;
  }
  if (windows < 0 || windows > 1000) {
    fprintf(stderr, "loadgen: --windows must be 0..1000\n");
    return 2;
  }
  if (producers > MAX_PRODUCERS || (producers > 0 && count < producers)) {
    fprintf(stderr, "loadgen: --producers must be 1..%d and at most --count\n", MAX_PRODUCERS);
    return 2;
  }

  p_n = producers > 0 ? (int)producers : 1;
  for (int k = 0; k < p_n; k++) {
    char name[512];
    if (producers > 0) snprintf(name, sizeof name, "%s%d", topic, k);
    else snprintf(name, sizeof name, "%s", topic);
    p_rk[k] = make_producer(bootstrap);
    p_rkt[k] = rd_kafka_topic_new(p_rk[k], name, NULL);
  }

  char *payload = malloc((size_t)size + 1);
  /* Pseudo-random bytes: compression (when enabled) works on realistic, not trivial, input. */
  uint32_t x = 2463534242u;
  for (long long i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    payload[i] = (char)('a' + (x % 26));
  }
  p_enq = calloc((size_t)count, sizeof *p_enq);
  p_lat = calloc((size_t)count, sizeof *p_lat);
  p_ack = calloc((size_t)count, sizeof *p_ack);

  /* Sleeps end on time (the default 50 µs timer slack is half a slot at 10 k msg/s). */
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  uint64_t deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
  if (warmup > 0) {
    produce_run(warmup, partitions, payload, (size_t)size, 0, 0, deadline);
    for (int k = 0; k < p_n; k++) rd_kafka_flush(p_rk[k], (int)(timeout_s * 1000));
  }

  uint64_t start = now_ns();
  deadline = start + (uint64_t)timeout_s * 1000000000ull;
  uint64_t interval = rate > 0 ? 1000000000ull / (uint64_t)rate : 0;
  long long sent = produce_run(count, partitions, payload, (size_t)size, interval, 1, deadline);
  for (int k = 0; k < p_n; k++) {
    uint64_t left = now_ns() < deadline ? deadline - now_ns() : 0;
    rd_kafka_flush(p_rk[k], (int)(left / 1000000));
  }
  if (p_last_ack == 0) p_last_ack = now_ns();

  qsort(p_lat, p_nlat, sizeof *p_lat, cmp_float);
  double secs = (double)(p_last_ack - start) / 1e9;
  double bytes = (double)p_acked * (double)size;
  printf("{\"mode\":\"produce\",\"topic\":");
  json_str(topic);
  printf(",\"count\":%lld,\"sent\":%lld,\"acked\":%lld,\"errors\":%lld,\"firstError\":", count, sent,
         p_acked, p_errors);
  if (p_errors) json_str(p_first_error);
  else printf("null");
  printf(",\"producers\":%d,\"startNs\":%llu,\"endNs\":%llu", p_n, (unsigned long long)start,
         (unsigned long long)p_last_ack);
  printf(",\"size\":%lld,\"bytes\":%.0f,\"seconds\":%.6f,\"msgsPerSec\":%.1f,\"mbPerSec\":%.2f,"
         "\"warmupAcked\":%lld,\"clientCpuSeconds\":%.3f,"
         "\"latencyMs\":{\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f}",
         size, bytes, secs, secs > 0 ? (double)p_acked / secs : 0, secs > 0 ? bytes / secs / 1e6 : 0,
         p_warm_acked, self_cpu(), pct(p_lat, p_nlat, 50), pct(p_lat, p_nlat, 99), pct(p_lat, p_nlat, 99.9),
         p_nlat ? p_lat[p_nlat - 1] : 0.0);
  if (windows > 0) print_windows(sent, (int)windows);
  printf("}\n");
  for (int k = 0; k < p_n; k++) {
    rd_kafka_topic_destroy(p_rkt[k]);
    rd_kafka_destroy(p_rk[k]);
  }
  return p_acked == count ? 0 : 1;
}

/* ---------- consume ---------- */

static uint64_t c_assigned_at;

static void rebalance_first(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (!c_assigned_at && parts->cnt > 0) c_assigned_at = now_ns();
    rd_kafka_assign(rk, parts);
  } else {
    rd_kafka_assign(rk, NULL);
  }
}

static int mode_consume(void) {
  const char *bootstrap = required("--bootstrap");
  const char *topic = required("--topic");
  const char *group = opt("--group", NULL);
  long long count = opt_ll("--count", 0), partitions = opt_ll("--partitions", 0);
  long long timeout_s = opt_ll("--timeout-s", 60);
  if (count <= 0 || (!group && partitions <= 0)) {
    fprintf(stderr, "loadgen: consume needs --count and either --partitions or --group\n");
    return 2;
  }

  uint64_t start = now_ns(), deadline = start + (uint64_t)timeout_s * 1000000000ull;
  rd_kafka_conf_t *conf = base_conf(bootstrap);
  set(conf, "enable.partition.eof", "false");
  /* librdkafka stops fetching a partition while its consumer queue holds more than these, and
   * looks again only at its next fetch-loop wake-up, up to 1 s later. W3's 64 partitions share
   * one queue: when all of them start before the first Fetch, that Fetch alone brings ~150k
   * messages (> the default 100,000), every partition pauses, and the run takes ~1.2 s instead
   * of ~0.5 s — on the mock and on Samsa alike, in about half the runs. Limits above the whole
   * workload keep the client fetching, so the figure is the broker's. */
  set(conf, "queued.min.messages", "10000000");
  set(conf, "queued.max.messages.kbytes", "2097151");
  if (group) {
    set(conf, "group.id", group);
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.auto.commit", "false");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_first);
  }
  rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_t *rkt = NULL;
  rd_kafka_queue_t *q = NULL;
  if (group) {
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err) {
      fprintf(stderr, "loadgen: subscribe: %s\n", rd_kafka_err2str(err));
      return 1;
    }
  } else {
    rkt = rd_kafka_topic_new(rk, topic, NULL);
    q = rd_kafka_queue_new(rk);
    for (int32_t p = 0; p < partitions; p++)
      if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q) != 0) {
        fprintf(stderr, "loadgen: consume_start %d: %s\n", p, rd_kafka_err2str(rd_kafka_last_error()));
        return 1;
      }
  }

  long long got = 0, errors = 0;
  double bytes = 0;
  uint64_t first = 0, last = 0;
  char first_error[256] = "";
  rd_kafka_message_t *batch[1024];
  while (got < count && now_ns() < deadline) {
    ssize_t n;
    if (group) {
      rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
      n = m ? 1 : 0;
      if (m) batch[0] = m;
    } else {
      n = rd_kafka_consume_batch_queue(q, 100, batch, 1024);
    }
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = batch[i];
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && errors++ == 0)
          snprintf(first_error, sizeof first_error, "%s", rd_kafka_message_errstr(m));
      } else {
        if (!first) first = now_ns();
        got++;
        bytes += (double)m->len;
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) last = now_ns();
  }
  /* Throughput runs from the first message to the last: librdkafka takes ~0.5 s to look up the
   * partitions' leaders and start fetching, which firstMessageMs reports on its own. */
  double secs = first && last > first ? (double)(last - first) / 1e9 : (double)(now_ns() - start) / 1e9;
  printf("{\"mode\":\"consume\",\"topic\":");
  json_str(topic);
  printf(",\"group\":");
  if (group) json_str(group);
  else printf("null");
  printf(",\"count\":%lld,\"received\":%lld,\"errors\":%lld,\"firstError\":", count, got, errors);
  if (errors) json_str(first_error);
  else printf("null");
  printf(",\"bytes\":%.0f,\"seconds\":%.6f,\"msgsPerSec\":%.1f,\"mbPerSec\":%.2f,"
         "\"firstMessageMs\":%.3f,\"firstAssignmentMs\":%.3f,\"startNs\":%llu,"
         "\"clientCpuSeconds\":%.3f}\n",
         bytes, secs, secs > 0 ? (double)got / secs : 0, secs > 0 ? bytes / secs / 1e6 : 0,
         first ? (double)(first - start) / 1e6 : -1.0,
         c_assigned_at ? (double)(c_assigned_at - start) / 1e6 : -1.0, (unsigned long long)start,
         self_cpu());
  if (group) {
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  } else {
    for (int32_t p = 0; p < partitions; p++) rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(q);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
  }
  return got >= count ? 0 : 1;
}

/* ---------- probe ---------- */

static int split_host_port(const char *bootstrap, char *host, size_t hostlen, int *port) {
  const char *first = bootstrap;
  const char *comma = strchr(first, ',');
  size_t len = comma ? (size_t)(comma - first) : strlen(first);
  const char *colon = memchr(first, ':', len);
  if (!colon || (size_t)(colon - first) >= hostlen) return -1;
  memcpy(host, first, (size_t)(colon - first));
  host[colon - first] = '\0';
  *port = atoi(colon + 1);
  return *port > 0 ? 0 : -1;
}

static int tcp_ready(const char *host, int port) {
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok ? 1 : 0;
}

static long long probe_acked;
static char probe_error[256];
static void probe_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) snprintf(probe_error, sizeof probe_error, "%s", rd_kafka_err2str(m->err));
  else probe_acked = (long long)now_ns();
}

static int mode_probe(void) {
  const char *bootstrap = required("--bootstrap");
  const char *topic = opt("--topic", NULL);
  long long timeout_s = opt_ll("--timeout-s", 30);
  char host[64];
  int port;
  if (split_host_port(bootstrap, host, sizeof host, &port) != 0) {
    fprintf(stderr, "loadgen: --bootstrap must be IPv4:PORT\n");
    return 2;
  }
  uint64_t start = now_ns(), deadline = start + (uint64_t)timeout_s * 1000000000ull;
  uint64_t tcp = 0, meta = 0, created = 0;
  while (now_ns() < deadline) {
    int r = tcp_ready(host, port);
    if (r < 0) return 2;
    if (r) {
      tcp = now_ns();
      break;
    }
    sleep_ns(1000000);
  }
  int ok = 0;
  if (tcp) {
    rd_kafka_conf_t *conf = base_conf(bootstrap);
    set(conf, "acks", "all");
    set(conf, "linger.ms", "0");
    set(conf, "enable.idempotence", "false");
    rd_kafka_conf_set_dr_msg_cb(conf, probe_dr);
    rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, conf);
    while (!meta && now_ns() < deadline) {
      const struct rd_kafka_metadata *md;
      int left = (int)((deadline - now_ns()) / 1000000);
      if (rd_kafka_metadata(rk, 0, NULL, &md, left > 0 ? left : 1) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        meta = now_ns();
        rd_kafka_metadata_destroy(md);
      }
    }
    if (meta && topic && opt_ll("--create", 0)) {
      char errstr[512];
      rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, 1, errstr, sizeof errstr);
      rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
      rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
      rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)((deadline - now_ns()) / 1000000));
      if (ev) {
        const rd_kafka_CreateTopics_result_t *r = rd_kafka_event_CreateTopics_result(ev);
        size_t cnt = 0;
        const rd_kafka_topic_result_t **res = r ? rd_kafka_CreateTopics_result_topics(r, &cnt) : NULL;
        if (rd_kafka_event_error(ev))
          snprintf(probe_error, sizeof probe_error, "create: %s", rd_kafka_event_error_string(ev));
        else if (cnt > 0 && rd_kafka_topic_result_error(res[0]) &&
                 rd_kafka_topic_result_error(res[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
          snprintf(probe_error, sizeof probe_error, "create: %s",
                   rd_kafka_err2str(rd_kafka_topic_result_error(res[0])));
        else
          created = now_ns();
        rd_kafka_event_destroy(ev);
      }
      rd_kafka_NewTopic_destroy(nt);
      rd_kafka_queue_destroy(q);
    }
    if (meta && topic && !probe_error[0]) {
      /* Ask for the topic's metadata before producing: otherwise librdkafka 2.0.2 learns of a
       * topic it has not seen only at its 1 s periodic scan, which would be measured as broker time. */
      rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
      const struct rd_kafka_metadata *tmd;
      int left = (int)((deadline - now_ns()) / 1000000);
      if (rd_kafka_metadata(rk, 0, rkt, &tmd, left > 0 ? left : 1) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(tmd);
      rd_kafka_topic_destroy(rkt);
      rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE("probe", 5), RD_KAFKA_V_END);
      while (!probe_acked && !probe_error[0] && now_ns() < deadline) rd_kafka_poll(rk, 1);
    }
    ok = meta && (!topic || probe_acked);
    rd_kafka_destroy(rk);
  }
  printf("{\"mode\":\"probe\",\"startNs\":%llu,\"tcpNs\":%llu,\"metadataNs\":%llu,"
         "\"createdNs\":%llu,\"ackNs\":%llu,\"error\":",
         (unsigned long long)start, (unsigned long long)tcp, (unsigned long long)meta,
         (unsigned long long)created, (unsigned long long)probe_acked);
  if (probe_error[0]) json_str(probe_error);
  else printf("null");
  printf("}\n");
  return ok ? 0 : 1;
}

/* ---------- create ---------- */

static int mode_create(void) {
  const char *bootstrap = required("--bootstrap");
  long long timeout_s = opt_ll("--timeout-s", 120);
  const char *list = opt("--topics", NULL);
  const char *prefix = opt("--prefix", NULL);
  char errstr[512];
  size_t n = 0, cap = 16;
  rd_kafka_NewTopic_t **topics = malloc(cap * sizeof *topics);
  long long total_partitions = 0;

  if (list) {
    char *copy = strdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      char *colon = strrchr(tok, ':');
      int parts = colon ? atoi(colon + 1) : 0;
      if (!colon || parts <= 0) {
        fprintf(stderr, "loadgen: --topics expects NAME:PARTITIONS, got '%s'\n", tok);
        return 2;
      }
      *colon = '\0';
      if (n == cap) topics = realloc(topics, (cap *= 2) * sizeof *topics);
      topics[n] = rd_kafka_NewTopic_new(tok, parts, 1, errstr, sizeof errstr);
      if (!topics[n]) {
        fprintf(stderr, "loadgen: %s\n", errstr);
        return 2;
      }
      n++;
      total_partitions += parts;
    }
    free(copy);
  } else if (prefix) {
    long long k = opt_ll("--topics-count", 1), parts = opt_ll("--partitions", 1);
    for (long long i = 0; i < k; i++) {
      char name[256];
      snprintf(name, sizeof name, "%s%lld", prefix, i);
      if (n == cap) topics = realloc(topics, (cap *= 2) * sizeof *topics);
      topics[n] = rd_kafka_NewTopic_new(name, (int)parts, 1, errstr, sizeof errstr);
      if (!topics[n]) {
        fprintf(stderr, "loadgen: %s\n", errstr);
        return 2;
      }
      n++;
      total_partitions += parts;
    }
  } else {
    fprintf(stderr, "loadgen: create needs --topics or --prefix\n");
    return 2;
  }

  rd_kafka_conf_t *conf = base_conf(bootstrap);
  rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, conf);
  /* Connect first so that the timing covers CreateTopics, not the client's bootstrap. */
  const struct rd_kafka_metadata *md;
  if (rd_kafka_metadata(rk, 0, NULL, &md, (int)(timeout_s * 1000)) == RD_KAFKA_RESP_ERR_NO_ERROR)
    rd_kafka_metadata_destroy(md);

  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(ao, (int)(timeout_s * 1000), errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(ao, (int)(timeout_s * 1000), errstr, sizeof errstr);
  uint64_t start = now_ns();
  rd_kafka_CreateTopics(rk, topics, n, ao, q);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(timeout_s * 1000 + 5000));
  uint64_t end = now_ns();
  long long failed = 0;
  char first_error[256] = "";
  if (!ev) {
    failed = (long long)n;
    snprintf(first_error, sizeof first_error, "timed out");
  } else if (rd_kafka_event_error(ev)) {
    failed = (long long)n;
    snprintf(first_error, sizeof first_error, "%s", rd_kafka_event_error_string(ev));
  } else {
    size_t cnt;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++)
      if (rd_kafka_topic_result_error(res[i]) &&
          rd_kafka_topic_result_error(res[i]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        if (failed++ == 0)
          snprintf(first_error, sizeof first_error, "%s: %s", rd_kafka_topic_result_name(res[i]),
                   rd_kafka_err2str(rd_kafka_topic_result_error(res[i])));
      }
  }
  printf("{\"mode\":\"create\",\"topics\":%zu,\"partitions\":%lld,\"failed\":%lld,\"firstError\":",
         n, total_partitions, failed);
  if (failed) json_str(first_error);
  else printf("null");
  printf(",\"seconds\":%.6f}\n", (double)(end - start) / 1e9);
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(ao);
  rd_kafka_NewTopic_destroy_array(topics, n);
  free(topics);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return failed == 0 ? 0 : 1;
}

/* ---------- delete ---------- */

static int mode_delete(void) {
  const char *bootstrap = required("--bootstrap");
  long long timeout_s = opt_ll("--timeout-s", 60);
  char *copy = strdup(required("--topics")), *save = NULL;
  size_t n = 0, cap = 16;
  rd_kafka_DeleteTopic_t **topics = malloc(cap * sizeof *topics);
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (n == cap) topics = realloc(topics, (cap *= 2) * sizeof *topics);
    topics[n++] = rd_kafka_DeleteTopic_new(tok);
  }
  free(copy);
  rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, base_conf(bootstrap));
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  char errstr[512];
  rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(ao, (int)(timeout_s * 1000), errstr, sizeof errstr);
  uint64_t start = now_ns();
  rd_kafka_DeleteTopics(rk, topics, n, ao, q);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(timeout_s * 1000 + 5000));
  uint64_t end = now_ns();
  long long failed = 0;
  char first_error[256] = "";
  if (!ev) {
    failed = (long long)n;
    snprintf(first_error, sizeof first_error, "timed out");
  } else if (rd_kafka_event_error(ev)) {
    failed = (long long)n;
    snprintf(first_error, sizeof first_error, "%s", rd_kafka_event_error_string(ev));
  } else {
    size_t cnt;
    const rd_kafka_topic_result_t **res =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++)
      if (rd_kafka_topic_result_error(res[i]) && failed++ == 0)
        snprintf(first_error, sizeof first_error, "%s: %s", rd_kafka_topic_result_name(res[i]),
                 rd_kafka_err2str(rd_kafka_topic_result_error(res[i])));
  }
  printf("{\"mode\":\"delete\",\"topics\":%zu,\"failed\":%lld,\"firstError\":", n, failed);
  if (failed) json_str(first_error);
  else printf("null");
  printf(",\"seconds\":%.6f}\n", (double)(end - start) / 1e9);
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(ao);
  rd_kafka_DeleteTopic_destroy_array(topics, n);
  free(topics);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return failed == 0 ? 0 : 1;
}

/* ---------- metadata ---------- */

static int mode_metadata(void) {
  const char *bootstrap = required("--bootstrap");
  long long repeat = opt_ll("--repeat", 5), timeout_s = opt_ll("--timeout-s", 30);
  if (repeat < 1 || repeat > 1000) repeat = 5;
  rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, base_conf(bootstrap));
  const struct rd_kafka_metadata *md;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, NULL, &md, (int)(timeout_s * 1000));
  if (!err) rd_kafka_metadata_destroy(md);
  float *ms = calloc((size_t)repeat, sizeof *ms);
  int topics = 0;
  long long partitions = 0;
  long long done = 0;
  for (long long i = 0; i < repeat && !err; i++) {
    uint64_t t0 = now_ns();
    err = rd_kafka_metadata(rk, 1, NULL, &md, (int)(timeout_s * 1000));
    if (err) break;
    ms[done++] = (float)((double)(now_ns() - t0) / 1e6);
    topics = md->topic_cnt;
    partitions = 0;
    for (int t = 0; t < md->topic_cnt; t++) partitions += md->topics[t].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  qsort(ms, (size_t)done, sizeof *ms, cmp_float);
  printf("{\"mode\":\"metadata\",\"repeat\":%lld,\"topics\":%d,\"partitions\":%lld,\"error\":", done,
         topics, partitions);
  if (err) json_str(rd_kafka_err2str(err));
  else printf("null");
  printf(",\"ms\":{\"min\":%.3f,\"p50\":%.3f,\"max\":%.3f}}\n", done ? ms[0] : 0.0,
         pct(ms, (size_t)done, 50), done ? ms[done - 1] : 0.0);
  free(ms);
  rd_kafka_destroy(rk);
  return err ? 1 : 0;
}

/* ---------- group ---------- */

struct member {
  rd_kafka_t *rk;
  int assigned; /* partitions in the member's current assignment */
};

static void rebalance_member(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *parts, void *opaque) {
  struct member *m = opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    m->assigned = parts->cnt;
    rd_kafka_assign(rk, parts);
  } else {
    m->assigned = 0;
    rd_kafka_assign(rk, NULL);
  }
}

static int mode_group(void) {
  const char *bootstrap = required("--bootstrap");
  const char *topic = required("--topic");
  const char *group = required("--group");
  long long members = opt_ll("--members", 10), timeout_s = opt_ll("--timeout-s", 120);
  if (members < 1 || members > 1000) {
    fprintf(stderr, "loadgen: --members must be 1..1000\n");
    return 2;
  }
  struct member *ms = calloc((size_t)members, sizeof *ms);
  uint64_t start = now_ns(), deadline = start + (uint64_t)timeout_s * 1000000000ull;
  for (long long i = 0; i < members; i++) {
    rd_kafka_conf_t *conf = base_conf(bootstrap);
    set(conf, "group.id", group);
    set(conf, "enable.auto.commit", "false");
    set(conf, "session.timeout.ms", "45000");
    rd_kafka_conf_set_opaque(conf, &ms[i]);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_member);
    ms[i].rk = make(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(ms[i].rk);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(ms[i].rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
  }
  uint64_t joined = 0;
  long long with_share = 0;
  while (!joined && now_ns() < deadline) {
    with_share = 0;
    for (long long i = 0; i < members; i++) {
      rd_kafka_message_t *m = rd_kafka_consumer_poll(ms[i].rk, 0);
      if (m) rd_kafka_message_destroy(m);
      if (ms[i].assigned > 0) with_share++;
    }
    if (with_share == members) joined = now_ns();
    else sleep_ns(2000000);
  }
  printf("{\"mode\":\"group\",\"members\":%lld,\"withAssignment\":%lld,\"seconds\":%.6f}\n", members,
         with_share, joined ? (double)(joined - start) / 1e9 : -1.0);
  for (long long i = 0; i < members; i++)
    rd_kafka_destroy_flags(ms[i].rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  free(ms);
  return joined ? 0 : 1;
}

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "produce") == 0) return mode_produce();
  if (strcmp(mode, "consume") == 0) return mode_consume();
  if (strcmp(mode, "probe") == 0) return mode_probe();
  if (strcmp(mode, "create") == 0) return mode_create();
  if (strcmp(mode, "delete") == 0) return mode_delete();
  if (strcmp(mode, "metadata") == 0) return mode_metadata();
  if (strcmp(mode, "group") == 0) return mode_group();
  fprintf(stderr, "usage: loadgen produce|consume|probe|create|delete|metadata|group --bootstrap HOST:PORT ...\n");
  return 2;
}
