/* dataident.h — the sensitive-data detector that data protection policies
 * share: CloudWatch Logs masks log events with it at ingestion
 * (logs/protect.c) and SNS audits, denies and de-identifies messages with it
 * at Publish and at delivery (sns/protect.c). A service builds a set of
 * identifiers from its policy document — AWS managed identifiers by name
 * ("EmailAddress"), custom ones by name and regular expression — and scans
 * text with it; what to do with a detection (mask, redact, refuse, report)
 * stays the service's.
 *
 * Every managed identifier of AWS's catalogue is detected: its documented
 * format as an expression, the keyword AWS requires near it (within 30
 * characters) and the format's checksum (Luhn, IBAN mod 97, national check
 * digits). Name and Address, which AWS finds by machine learning, are
 * approximated by expressions. A name outside the catalogue is refused. */
#ifndef GR_SERVICES_DATAIDENT_H
#define GR_SERVICES_DATAIDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/str.h"

typedef struct dataident dataident_t;

/* An empty set in arena a; its compiled expressions are freed with a. NULL
 * when out of memory. */
dataident_t *dataident_new(arena_t *a);
/* Adds the managed identifier called name ("EmailAddress", "Ssn-US"). A name
 * already in the set is not added again. false, with *why (arena text), when
 * the name is not in AWS's catalogue or memory runs out. */
bool dataident_add_managed(dataident_t *d, arena_t *a, str_t name, const char **why);
/* Adds a custom identifier: name as findings report it, regex as AWS takes
 * it (Java style; see dataident_posix_regex). false, with *why, when the
 * expression does not compile. */
bool dataident_add_custom(dataident_t *d, arena_t *a, str_t name, str_t regex, const char **why);
/* Where the managed identifiers are listed (static text: the catalogue is
 * too long to quote), for the message that refuses a policy naming another. */
const char *dataident_managed_names(void);
/* The catalogue's size, and the name of its entry i (NULL past the end). */
size_t dataident_managed_count(void);
const char *dataident_managed_name(size_t i);

/* The number of identifiers in the set, and the name of identifier i. */
size_t dataident_count(const dataident_t *d);
str_t dataident_name(const dataident_t *d, size_t i);

/* One detection: identifier `ident` of the set matched text[start, end). */
typedef struct {
    size_t ident, start, end;
} dataident_hit_t;
/* Every detection in text, grouped by identifier (in the set's order) and
 * in text order within each; each identifier scans the original text, so
 * detections of different identifiers may overlap. *n is their number; the
 * array is in a (NULL with *n 0 when nothing is found or on no memory). A
 * NUL inside text is matched as a line break, so nothing after it escapes. */
dataident_hit_t *dataident_scan(const dataident_t *d, arena_t *a, str_t text, size_t *n);

/* text with every detection replaced: each byte by mask_char (the length
 * kept), or removed when mask_char is -1 (AWS's RedactConfig). Arena text;
 * text itself when n is 0; STR_NULL when out of memory. */
str_t dataident_deidentify(arena_t *a, str_t text, const dataident_hit_t *hits, size_t n, int mask_char);
/* Writes to w the "dataIdentifiers" value of an audit findings report, as
 * AWS's reports show it: an array with one {"name", "count", "detections":
 * [{"start", "end"}]} per identifier found, in the set's order. */
void dataident_findings_write(json_w_t *w, const dataident_t *d, const dataident_hit_t *hits, size_t n);

/* A regular expression as AWS takes it (Java style) as POSIX ERE: the
 * shorthand classes \d \w \s (and \D \W \S) become bracket expressions.
 * Arena text, NULL when out of memory. */
const char *dataident_posix_regex(arena_t *a, str_t re);

#endif
