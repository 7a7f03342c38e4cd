/* query_fuzz.c — libFuzzer target for the query/ec2 form reader (src/protocol/query.c)
 * and the XML response writer behind both protocols.
 *
 * The first input byte picks the naming (query or ec2); the rest is a form
 * body (Action=…&Member.member.1=…) read by a hand-built input shape that has
 * every kind of member: nested structures, wrapped and flattened lists, maps
 * with default and renamed keys, every scalar type. A parsed value is then
 * written as a query response and as an ec2 response, and both documents must
 * be accepted by the XML reader. Invariant checked: no crash, no leak, no
 * undefined behaviour, and bounded memory whatever the keys and indices. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "protocol/xml.h"

#define BUDGET (4u << 20)

static const shape_t S_STR = {.name = "S", .type = SH_STRING};
static const shape_t S_INT = {.name = "I", .type = SH_INTEGER};
static const shape_t S_LONG = {.name = "L", .type = SH_LONG};
static const shape_t S_DBL = {.name = "D", .type = SH_DOUBLE};
static const shape_t S_BOOL = {.name = "B", .type = SH_BOOLEAN};
static const shape_t S_TS = {.name = "T", .type = SH_TIMESTAMP};
static const shape_t S_BLOB = {.name = "Bl", .type = SH_BLOB};
static const member_t STR_EL[] = {{.name = "member", .shape = &S_STR}};
static const shape_t S_STRS = {.name = "Strs", .type = SH_LIST, .nmembers = 1, .members = STR_EL};
static const member_t ITEM_EL[] = {{.name = "member", .loc_name = "item", .shape = &S_STR}};
static const shape_t S_ITEMS = {.name = "Items", .type = SH_LIST, .nmembers = 1, .members = ITEM_EL};
static const member_t KV[] = {{.name = "key", .shape = &S_STR}, {.name = "value", .shape = &S_INT}};
static const shape_t S_MAP = {.name = "M", .type = SH_MAP, .nmembers = 2, .members = KV};
static const member_t KV2[] = {{.name = "key", .loc_name = "Name", .shape = &S_STR},
                               {.name = "value", .loc_name = "Value", .shape = &S_STRS}};
static const shape_t S_MAP2 = {.name = "M2", .type = SH_MAP, .flags = SF_FLATTENED, .nmembers = 2, .members = KV2};
static const member_t TAG_M[] = {
    {.name = "Key", .shape = &S_STR},
    {.name = "Value", .loc_name = "value", .shape = &S_STR},
    {.name = "When", .shape = &S_TS},
    {.name = "Attr", .loc_name = "attr", .shape = &S_STR, .flags = MF_XMLATTRIBUTE},
};
static const shape_t S_TAG = {.name = "Tag", .type = SH_STRUCTURE, .nmembers = 4, .members = TAG_M};
static const member_t TAG_EL[] = {{.name = "member", .loc_name = "Tag", .shape = &S_TAG}};
static const shape_t S_TAGS = {.name = "Tags", .type = SH_LIST, .nmembers = 1, .members = TAG_EL};
static const shape_t S_FLAT_TAGS = {
    .name = "FTags", .type = SH_LIST, .flags = SF_FLATTENED, .nmembers = 1, .members = TAG_EL};
static const member_t TAGS_EL[] = {{.name = "member", .shape = &S_TAGS}};
static const shape_t S_NESTED = {.name = "Nested", .type = SH_LIST, .nmembers = 1, .members = TAGS_EL};
static const member_t IN_M[] = {
    {.name = "Name", .shape = &S_STR},
    {.name = "Count", .loc_name = "count", .query_name = "Count", .shape = &S_INT},
    {.name = "Big", .shape = &S_LONG},
    {.name = "Ratio", .shape = &S_DBL},
    {.name = "On", .shape = &S_BOOL},
    {.name = "At", .shape = &S_TS, .ts_format = TS_UNIX},
    {.name = "Data", .shape = &S_BLOB},
    {.name = "Strs", .shape = &S_STRS},
    {.name = "Items", .loc_name = "itemSet", .shape = &S_ITEMS},
    {.name = "Flat", .shape = &S_STRS, .flags = MF_FLATTENED},
    {.name = "Map", .shape = &S_MAP},
    {.name = "FlatMap", .loc_name = "Attribute", .shape = &S_MAP2},
    {.name = "Tags", .shape = &S_TAGS},
    {.name = "FTags", .shape = &S_FLAT_TAGS},
    {.name = "Nested", .shape = &S_NESTED},
    {.name = "Tag", .shape = &S_TAG},
};
static const shape_t S_IN = {.name = "In", .type = SH_STRUCTURE, .nmembers = 16, .members = IN_M};
static const op_t OP = {
    .name = "Fuzz", .method = "POST", .uri = "/", .input = &S_IN, .output = &S_IN, .result_wrapper = "FuzzResult"};
static const svc_model_t MODEL = {.id = "fuzz",
                                  .protocol = PROTO_QUERY,
                                  .api_version = "2020-01-01",
                                  .endpoint_prefix = "fuzz",
                                  .ops = &OP,
                                  .nops = 1};

static void check_doc(arena_t *a, wire_resp_t *r)
{
    if (arena_failed(a) || r->body.failed) return;
    xml_node_t *root;
    const char *err = NULL;
    if (xml_parse(a, buf_str(&r->body), &root, &err) == GR_OK || arena_failed(a)) return;
    /* XML 1.0 cannot carry C0 controls at all; the writer's &#x..; for them
     * is the one thing its reader refuses */
    if (err && !strcmp(err, "character reference to an invalid character")) return;
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    arena_t *a = arena_new(BUDGET);
    if (!a) return 0;
    form_naming_t naming = data[0] & 1 ? FORM_EC2 : FORM_QUERY;
    wire_req_t w = {.method = STR("POST"), .path = STR("/")};
    w.body = str_n((const char *)data + 1, size - 1);
    val_t *in = val_new(a, VAL_STRUCT);
    proto_fail_t f = {0};
    if (in && proto__form_parse(&MODEL, &OP, &w, a, in, &f, naming) == GR_OK) {
        wire_resp_t r;
        wire_resp_init(&r, a);
        if (proto__query_serialize(&MODEL, &OP, in, "rid", a, &r) == GR_OK) check_doc(a, &r);
        wire_resp_init(&r, a);
        if (proto__ec2_serialize(&MODEL, &OP, in, "rid", a, &r) == GR_OK) check_doc(a, &r);
    } else if (in && !f.msg && !arena_failed(a)) {
        abort(); /* a refusal always says why */
    }
    arena_free(a);
    return 0;
}
