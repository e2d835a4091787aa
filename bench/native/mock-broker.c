/*
 * mock-broker: librdkafka's built-in mock cluster as a standalone process, the reference peer of
 * the broker benchmarks (bench/broker.ts).
 *
 *   mock-broker [TOPIC:PARTITIONS]...
 *
 * Starts a 1-broker mock cluster (in memory, listening on 127.0.0.1, ephemeral port), creates the
 * given topics through the mock API (the mock does not implement CreateTopics), prints one line
 *   BOOTSTRAP 127.0.0.1:PORT
 * on stdout and runs until SIGINT or SIGTERM. Errors go to stderr with exit code 1 (bad arguments
 * 2). The rd_kafka_t handle that owns the cluster is a producer that never connects anywhere: the
 * mock API needs one for its bookkeeping.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  char errstr[512];
  sigset_t set;
  int sig = 0;

  /* Block the stop signals before librdkafka starts its threads so that they inherit the mask
   * and the main thread alone receives them through sigwait. */
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "mock-broker: %s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "mock-broker: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
  if (!mc) {
    fprintf(stderr, "mock-broker: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  for (int i = 1; i < argc; i++) {
    char name[256];
    const char *colon = strrchr(argv[i], ':');
    int partitions = colon ? atoi(colon + 1) : 0;
    size_t len = colon ? (size_t)(colon - argv[i]) : 0;
    if (!colon || partitions <= 0 || len == 0 || len >= sizeof name) {
      fprintf(stderr, "mock-broker: expected TOPIC:PARTITIONS, got '%s'\n", argv[i]);
      rd_kafka_mock_cluster_destroy(mc);
      rd_kafka_destroy(rk);
      return 2;
    }
    memcpy(name, argv[i], len);
    name[len] = '\0';
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, 1);
    if (err) {
      fprintf(stderr, "mock-broker: create %s: %s\n", name, rd_kafka_err2str(err));
      rd_kafka_mock_cluster_destroy(mc);
      rd_kafka_destroy(rk);
      return 1;
    }
  }

  printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  sigwait(&set, &sig);

  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
