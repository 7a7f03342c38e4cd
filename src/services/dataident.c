/* dataident.c — the sensitive-data detector of data protection policies
 * (dataident.h): AWS managed data identifiers as POSIX extended
 * expressions, custom identifiers' expressions converted from AWS's syntax,
 * and the scan that CloudWatch Logs (masking at ingestion) and SNS (audit,
 * deny and de-identify at Publish and delivery) run over text. Called on
 * the request's thread; a set lives in one arena, which frees its
 * compiled expressions. */
#include "services/dataident.h"

#include <ctype.h>
#include <regex.h>
#include <string.h>

#include "core/buf.h"

/* The managed identifiers gureum detects, as POSIX extended expressions. */
static const struct {
    const char *name, *re;
    bool luhn; /* a match must also pass the Luhn check */
} managed[] = {
    {"EmailAddress", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}", false},
    {"IpAddress", "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}",
     false},
    {"CreditCardNumber", "[0-9]{4}([ -]?[0-9]{4}){2}[ -]?[0-9]{1,7}", true},
    {"Ssn-US", "[0-9]{3}-[0-9]{2}-[0-9]{4}", false},
    {"PhoneNumber-US", "(\\+1[ .-]?)?\\(?[2-9][0-9]{2}\\)?[ .-][0-9]{3}[ .-][0-9]{4}", false},
    {"AwsSecretKey", "(aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey)[\"' :=]+[A-Za-z0-9/+]{40}", false},
};

typedef struct {
    regex_t re;
    bool luhn;
    str_t name; /* as findings name it: EmailAddress, or the custom identifier's name */
} detector_t;

struct dataident {
    detector_t **d; /* each allocated apart, so that growing d never moves a compiled regex_t */
    size_t n, cap;
};

static bool luhn_ok(const char *p, size_t len)
{
    int sum = 0, digits = 0;
    for (size_t i = len; i-- > 0;) {
        if (!isdigit((unsigned char)p[i])) continue;
        int d = p[i] - '0';
        if (digits++ % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

const char *dataident_posix_regex(arena_t *a, str_t re)
{
    buf_t b;
    buf_init(&b, a);
    for (size_t i = 0; i < re.len; i++) {
        if (re.p[i] == '\\' && i + 1 < re.len && strchr("dwsDWS", re.p[i + 1])) {
            static const char *const cls[] = {"[0-9]",  "[A-Za-z0-9_]",  "[[:space:]]",
                                              "[^0-9]", "[^A-Za-z0-9_]", "[^[:space:]]"};
            buf_puts(&b, cls[strchr("dwsDWS", re.p[++i]) - "dwsDWS"]);
        } else {
            buf_putc(&b, re.p[i]);
        }
    }
    return buf_str(&b).p ? arena_strndup(a, buf_str(&b).p, buf_str(&b).len) : NULL;
}

const char *dataident_managed_names(void)
{
    return "EmailAddress, IpAddress, CreditCardNumber, Ssn-US, PhoneNumber-US, AwsSecretKey";
}

dataident_t *dataident_new(arena_t *a)
{
    return ARENA_NEW(a, dataident_t);
}

size_t dataident_count(const dataident_t *d)
{
    return d ? d->n : 0;
}

str_t dataident_name(const dataident_t *d, size_t i)
{
    return d && i < d->n ? d->d[i]->name : STR_NULL;
}

static void regex_free(void *re)
{
    regfree(re);
}

static bool has(const dataident_t *d, str_t name)
{
    for (size_t i = 0; i < d->n; i++)
        if (str_eq(d->d[i]->name, name)) return true;
    return false;
}

static bool add(dataident_t *d, arena_t *a, str_t name, const char *re, bool luhn, const char **why)
{
    *why = "Out of memory.";
    if (!re) return false;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 8;
        detector_t **nd = arena_realloc(a, d->d, d->cap * sizeof *nd, nc * sizeof *nd);
        if (!nd) return false;
        d->d = nd, d->cap = nc;
    }
    detector_t *det = ARENA_NEW(a, detector_t);
    if (!det) return false;
    if (regcomp(&det->re, re, REG_EXTENDED) != 0) {
        *why = arena_printf(a, "The regular expression of custom data identifier %.*s is not valid.", STR_FMT(name));
        return false;
    }
    arena_defer(a, regex_free, &det->re);
    det->luhn = luhn;
    det->name = name;
    d->d[d->n++] = det;
    *why = NULL;
    return true;
}

bool dataident_add_managed(dataident_t *d, arena_t *a, str_t name, const char **why)
{
    for (size_t i = 0; i < sizeof managed / sizeof managed[0]; i++)
        if (str_eq(name, str_c(managed[i].name))) {
            if (has(d, name)) return true;
            return add(d, a, str_c(managed[i].name), managed[i].re, managed[i].luhn, why);
        }
    *why = arena_printf(a, "%.*s is not a managed data identifier gureum detects (it detects %s).", STR_FMT(name),
                        dataident_managed_names());
    return false;
}

bool dataident_add_custom(dataident_t *d, arena_t *a, str_t name, str_t regex, const char **why)
{
    if (has(d, name)) return true;
    return add(d, a, name, dataident_posix_regex(a, regex), false, why);
}

dataident_hit_t *dataident_scan(const dataident_t *d, arena_t *a, str_t text, size_t *n)
{
    *n = 0;
    if (!d || !d->n || !text.len) return NULL;
    /* regexec reads a C string: a NUL inside the text (JSON's \u0000)
     * becomes a byte no identifier matches, so nothing after it escapes */
    char *s = arena_strndup(a, text.p, text.len);
    if (!s) return NULL;
    for (size_t i = 0; i < text.len; i++)
        if (!s[i]) s[i] = '\n';
    dataident_hit_t *hits = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < d->n; i++) {
        size_t off = 0;
        regmatch_t rm;
        while (off < text.len && regexec(&d->d[i]->re, s + off, 1, &rm, off ? REG_NOTBOL : 0) == 0) {
            size_t st = off + (size_t)rm.rm_so, e = off + (size_t)rm.rm_eo;
            if (e == st) break;
            if (!d->d[i]->luhn || luhn_ok(text.p + st, e - st)) {
                if (*n == cap) {
                    size_t nc = cap ? cap * 2 : 8;
                    dataident_hit_t *nh = arena_realloc(a, hits, cap * sizeof *nh, nc * sizeof *nh);
                    if (!nh) {
                        *n = 0;
                        return NULL;
                    }
                    hits = nh, cap = nc;
                }
                hits[(*n)++] = (dataident_hit_t){i, st, e};
            }
            off = e;
        }
    }
    return hits;
}

str_t dataident_deidentify(arena_t *a, str_t text, const dataident_hit_t *hits, size_t n, int mask_char)
{
    if (!n) return text;
    /* hits of different identifiers may overlap: mark every covered byte */
    char *covered = arena_alloc(a, text.len);
    if (!covered) return STR_NULL;
    memset(covered, 0, text.len);
    for (size_t i = 0; i < n; i++) memset(covered + hits[i].start, 1, hits[i].end - hits[i].start);
    char *out = arena_alloc(a, text.len + 1);
    if (!out) return STR_NULL;
    size_t k = 0;
    for (size_t i = 0; i < text.len; i++)
        if (!covered[i])
            out[k++] = text.p[i];
        else if (mask_char >= 0)
            out[k++] = (char)mask_char;
    out[k] = 0;
    return str_n(out, k);
}

void dataident_findings_write(json_w_t *w, const dataident_t *d, const dataident_hit_t *hits, size_t n)
{
    json_w_arr_begin(w);
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && hits[k].ident == hits[i].ident) k++;
        json_w_obj_begin(w);
        json_w_key(w, STR("name"));
        json_w_str(w, dataident_name(d, hits[i].ident));
        json_w_key(w, STR("count"));
        json_w_int(w, (int64_t)(k - i));
        json_w_key(w, STR("detections"));
        json_w_arr_begin(w);
        for (size_t j = i; j < k; j++) {
            json_w_obj_begin(w);
            json_w_key(w, STR("start"));
            json_w_int(w, (int64_t)hits[j].start);
            json_w_key(w, STR("end"));
            json_w_int(w, (int64_t)hits[j].end);
            json_w_obj_end(w);
        }
        json_w_arr_end(w);
        json_w_obj_end(w);
        i = k;
    }
    json_w_arr_end(w);
}
