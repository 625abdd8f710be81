/*
 * tm-netdelay: delay and drop the packets a network namespace sends, for `simulate --hosts N
 * --latency D --jitter J --loss P` on kernels built without tc netem (sch_netem). Run inside the
 * host's namespace, where `iptables -A OUTPUT -o eth0 -j NFQUEUE --queue-num Q --queue-bypass`
 * hands every packet leaving the host's link to this process; each is dropped with probability P,
 * or released D +- J milliseconds after it arrived (uniformly drawn). Packets leave in the order
 * they came: a packet is never released before the one ahead of it, as on a real link (netem
 * with jitter would reorder them). If this process dies, --queue-bypass lets packets through.
 *
 *   tm-netdelay --queue Q --delay MS [--jitter MS] [--loss PERCENT] [--seed N]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING (1u << 17) /* packets held at once; the kernel queue is as long */

static uint32_t ids[RING];
static int64_t due[RING];
static uint32_t head, tail; /* ring of held packets, FIFO */
static int64_t delay_ns, jitter_ns, last_due;
static double loss;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static volatile sig_atomic_t stopping;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* xorshift64*: the draws only need to be uniform, not secret. */
static double uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (loss > 0 && uniform() * 100.0 < loss) return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
  if (tail - head == RING) return nfq_set_verdict(qh, id, NF_DROP, 0, NULL); /* the link is full */
  int64_t at = now_ns() + delay_ns + (jitter_ns ? (int64_t)((uniform() * 2.0 - 1.0) * (double)jitter_ns) : 0);
  if (at < last_due) at = last_due; /* in order */
  last_due = at;
  ids[tail % RING] = id;
  due[tail % RING] = at;
  tail++;
  return 0;
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void usage(void) {
  fprintf(stderr, "usage: tm-netdelay --queue Q --delay MS [--jitter MS] [--loss PERCENT] [--seed N]\n");
  exit(2);
}

int main(int argc, char **argv) {
  long queue = -1;
  double delay_ms = 0, jitter_ms = 0;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--queue")) queue = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--delay")) delay_ms = strtod(argv[++i], NULL);
    else if (!strcmp(argv[i], "--jitter")) jitter_ms = strtod(argv[++i], NULL);
    else if (!strcmp(argv[i], "--loss")) loss = strtod(argv[++i], NULL);
    else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[++i], NULL, 10) | 1;
    else usage();
  }
  if (queue < 0 || queue > 65535 || delay_ms < 0 || jitter_ms < 0 || jitter_ms > delay_ms || loss < 0 || loss > 100) usage();
  delay_ns = (int64_t)(delay_ms * 1e6);
  jitter_ns = (int64_t)(jitter_ms * 1e6);

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("tm-netdelay: nfq_open"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (!qh) { perror("tm-netdelay: nfq_create_queue"); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("tm-netdelay: nfq_set_mode"); return 1; }
  nfq_set_queue_maxlen(qh, RING);
  int fd = nfq_fd(h);
  int rcvbuf = 64 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  fprintf(stdout, "tm-netdelay: queue %ld, %.1f ms +- %.1f ms, %.2f%% loss\n", queue, delay_ms, jitter_ms, loss);
  fflush(stdout);

  static char buf[1 << 16];
  while (!stopping) {
    int64_t now = now_ns();
    while (head != tail && due[head % RING] <= now) {
      nfq_set_verdict(qh, ids[head % RING], NF_ACCEPT, 0, NULL);
      head++;
    }
    int timeout = -1;
    if (head != tail) {
      int64_t wait = due[head % RING] - now;
      timeout = (int)((wait + 999999) / 1000000);
    }
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, timeout);
    if (r < 0 && errno != EINTR) { perror("tm-netdelay: poll"); break; }
    if (r > 0 && (p.revents & POLLIN)) {
      for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
          if (errno == ENOBUFS) continue; /* the kernel dropped messages: carry on */
          break;
        }
        nfq_handle_packet(h, buf, (int)n);
      }
    }
  }
  /* Release what is held rather than lose it. */
  while (head != tail) nfq_set_verdict(qh, ids[head++ % RING], NF_ACCEPT, 0, NULL);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
