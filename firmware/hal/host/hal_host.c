/* hal.h for the host build: the serial link is a TCP socket on 127.0.0.1.
 *
 * HIL_HOST_PORT picks the port (0 or unset: any free one); the port is
 * printed once on stdout as "hil-fw listening on 127.0.0.1:<port>". Like
 * QEMU's socket chardev, a client that goes away is replaced by the next one.
 * A reset re-executes the program with the sockets inherited, so every static
 * starts fresh exactly as on silicon while the host keeps its connection. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hil/hal.h"

#define MODEL_REGION_BYTES (1024u * 1024u) /* mirrored in boards/host.yaml (tests/test_boards.py checks) */
#define MODEL_SLOT_BYTES (1024u * 1024u)   /* mirrored in boards/host.yaml as well */

static int listen_fd = -1;
static int client_fd = -1;
static uint8_t rx_buf[4096];
static size_t rx_len, rx_pos;
static uint8_t model_region[MODEL_REGION_BYTES] __attribute__((aligned(8)));
static const uint8_t *slot; /* NULL: no HIL_HOST_SLOT, no slot */

static hal_board_info_t info = {
    .board_id = "host",
    .clock_hz = 0u,
    .flash_bytes = 0u,
    .ram_bytes = 0u,
    .counter = HIL_COUNTER_HOST_NS,
    .flags = HIL_BOARD_FLAG_FPU,
};

static void die(const char *what)
{
    fprintf(stderr, "hil-fw: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int env_fd(const char *name)
{
    const char *v = getenv(name);
    return v ? atoi(v) : -1;
}

static void open_listener(void)
{
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0) {
        die("socket");
    }
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    const char *port = getenv("HIL_HOST_PORT");
    addr.sin_port = htons((uint16_t)(port ? atoi(port) : 0));
    if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listen_fd, 1) < 0) {
        die("bind 127.0.0.1");
    }
    socklen_t len = sizeof(addr);
    getsockname(listen_fd, (struct sockaddr *)&addr, &len);
    printf("hil-fw listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
    fflush(stdout);
}

static void accept_client(void)
{
    do {
        client_fd = accept(listen_fd, NULL, NULL);
    } while (client_fd < 0 && errno == EINTR);
    if (client_fd < 0) {
        die("accept");
    }
    int one = 1;
    setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    rx_len = rx_pos = 0;
}

/* Read-only, so a runtime that wrote to a model held in the slot would fault
 * here as it would on flash. */
static void map_slot(void)
{
    const char *path = getenv("HIL_HOST_SLOT");
    if (path == NULL) {
        return;
    }
    uint8_t *m = mmap(NULL, MODEL_SLOT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        die("mmap model slot");
    }
    memset(m, 0xFF, MODEL_SLOT_BYTES);
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        size_t n = fread(m, 1, MODEL_SLOT_BYTES, f);
        (void)n; /* a short file leaves the rest erased */
        fclose(f);
    }
    if (mprotect(m, MODEL_SLOT_BYTES, PROT_READ) != 0) {
        die("mprotect model slot");
    }
    slot = m;
}

void hal_init(void)
{
    map_slot();
    listen_fd = env_fd("HIL_HOST_LISTEN_FD");
    client_fd = env_fd("HIL_HOST_CLIENT_FD");
    const char *cause = getenv("HIL_HOST_RESET_CAUSE");
    info.reset_cause = cause ? (hil_reset_cause_t)atoi(cause) : HIL_RESET_POWER_ON;
    unsetenv("HIL_HOST_RESET_CAUSE");
    if (listen_fd < 0) {
        open_listener();
    }
    if (client_fd < 0) {
        accept_client();
    }
}

const hal_board_info_t *hal_board_info(void)
{
    return &info;
}

int hal_serial_getc(void)
{
    if (rx_pos < rx_len) {
        return rx_buf[rx_pos++];
    }
    return -1;
}

void hal_idle(void)
{
    struct pollfd p = {.fd = client_fd, .events = POLLIN};
    if (poll(&p, 1, -1) < 0) {
        return;
    }
    ssize_t n = recv(client_fd, rx_buf, sizeof(rx_buf), 0);
    if (n > 0) {
        rx_len = (size_t)n;
        rx_pos = 0;
        return;
    }
    if (n < 0 && errno == EINTR) {
        return;
    }
    close(client_fd); /* the host went away: wait for the next one */
    accept_client();
}

void hal_serial_write(const uint8_t *buf, size_t len)
{
    while (len > 0u) {
        ssize_t n = send(client_fd, buf, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return; /* a vanished host loses its reply, as on a real wire */
        }
        buf += n;
        len -= (size_t)n;
    }
}

uint32_t hal_cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

void hal_system_reset(hil_reset_cause_t cause)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", listen_fd);
    setenv("HIL_HOST_LISTEN_FD", buf, 1);
    snprintf(buf, sizeof(buf), "%d", client_fd);
    setenv("HIL_HOST_CLIENT_FD", buf, 1);
    snprintf(buf, sizeof(buf), "%d", (int)cause);
    setenv("HIL_HOST_RESET_CAUSE", buf, 1);
    char *const argv[] = {"hil-fw", NULL};
    execv("/proc/self/exe", argv);
    die("execv");
}

void hal_model_region(uint8_t **base, size_t *size)
{
    *base = model_region;
    *size = sizeof(model_region);
}

void hal_model_slot(const uint8_t **base, size_t *size)
{
    *base = slot;
    *size = slot != NULL ? MODEL_SLOT_BYTES : 0u;
}
