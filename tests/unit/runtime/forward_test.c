/* forward_test.c — the forwarding thread (src/runtime/forward.h) on the
 * host's loopback, without machines: a forward listens within a turn, is
 * gone once removed, and one whose address was taken when it was set
 * listens once the address is free again (tried every second), as after a
 * machine's clone held a copy of the old listener for a moment. Forwards
 * here join no machine (pid 0), so a connection is accepted and then
 * reset: connect() succeeding is what tells a listener is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "runtime/forward.h"

static struct sockaddr_in at(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    return sa;
}

/* A port free on 127.0.0.1 right now (the kernel's pick). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = at(0);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static bool listened(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = at(port);
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Whether listened(port) becomes want within ms milliseconds. */
static bool becomes(int port, bool want, int ms)
{
    for (int waited = 0; waited <= ms; waited += 50) {
        if (listened(port) == want) return true;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    return false;
}

static void test_set_and_removed(void **state)
{
    (void)state;
    int port = free_port();
    assert_int_equal(fwd_set("unit-a", "127.0.0.1", &port, 1, 0, "10.0.0.1"), GR_OK);
    assert_true(becomes(port, true, 2000));
    assert_int_equal(fwd_set("unit-a", "", NULL, 0, 0, ""), GR_OK);
    assert_true(becomes(port, false, 2000));
}

static void test_taken_address_retried(void **state)
{
    (void)state;
    int port = free_port();
    int holder = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = at(port);
    assert_int_equal(bind(holder, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(holder, 4), 0);
    assert_int_equal(fwd_set("unit-b", "127.0.0.1", &port, 1, 0, "10.0.0.1"), GR_OK);
    nanosleep(&(struct timespec){0, 500 * 1000000L}, NULL); /* its first try has failed */
    close(holder);
    assert_true(becomes(port, true, 3000)); /* the forward's listener, from a retry */
    assert_int_equal(fwd_set("unit-b", "", NULL, 0, 0, ""), GR_OK);
    assert_true(becomes(port, false, 2000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_removed),
        cmocka_unit_test(test_taken_address_retried),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fwd_stop();
    return rc;
}
