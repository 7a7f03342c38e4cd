/* config_dns_test.c — config_load's dns_port (src/core/config.c): the HTTP
 * port's number by default, --dns-port and GUREUM_DNS_PORT, 0 to disable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/config.h"

static void dns_port_follows_http_port(void **st)
{
    (void)st;
    config_t c;
    const char *err = NULL;
    unsetenv("GUREUM_DNS_PORT");
    unsetenv("GUREUM_PORT");
    assert_int_equal(config_load(&c, 0, NULL, &err), 0);
    assert_int_equal(c.dns_port, 4566);
    char *argv[] = {"--port", "18250"};
    assert_int_equal(config_load(&c, 2, argv, &err), 0);
    assert_int_equal(c.dns_port, 18250);
}

static void dns_port_set_or_disabled(void **st)
{
    (void)st;
    config_t c;
    const char *err = NULL;
    setenv("GUREUM_DNS_PORT", "18253", 1);
    assert_int_equal(config_load(&c, 0, NULL, &err), 0);
    assert_int_equal(c.dns_port, 18253);
    char *argv[] = {"--dns-port", "0"};
    assert_int_equal(config_load(&c, 2, argv, &err), 0);
    assert_int_equal(c.dns_port, 0);
    char *bad[] = {"--dns-port", "70000"};
    assert_int_equal(config_load(&c, 2, bad, &err), -1);
    assert_string_equal(err, "--dns-port must be 0..65535");
    setenv("GUREUM_DNS_PORT", "x", 1);
    assert_int_equal(config_load(&c, 0, NULL, &err), -1);
    unsetenv("GUREUM_DNS_PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dns_port_follows_http_port),
        cmocka_unit_test(dns_port_set_or_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
