/* eventstream.c — the AWS event stream encoding (application/vnd.amazon.eventstream)
 * of an output payload whose shape is an "eventstream" union: S3's
 * SelectObjectContent, Lambda's InvokeWithResponseStream and Kinesis's
 * SubscribeToShard. A service hands over the events as a list of one-member
 * structures ({"Records": {"Payload": blob}}, {"End": {}}); the serializer
 * of the protocol (restxml.c, restjson.c, jsonproto.c) calls this to write
 * each as a message: prelude (total length, headers length, prelude CRC-32),
 * string headers :message-type event, :event-type <member>, :content-type
 * (octet-stream for a blob payload, the protocol's own for a structure), the
 * payload and the message CRC-32; a member that is an exception shape goes
 * as an exception message instead. A whole stream is built in the request
 * arena, so its size is bounded by the arena budget; a stream answered as it
 * is produced is written one event at a time (proto_serialize_event). */
#include "core/crc.h"
#include "protocol/internal.h"

static void be32(buf_t *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    buf_append(b, x, 4);
}

static void header(buf_t *b, const char *name, str_t value)
{
    size_t n = strlen(name);
    buf_putc(b, (char)n);
    buf_append(b, name, n);
    buf_putc(b, 7); /* value type 7: string, 2-byte length */
    buf_putc(b, (char)(value.len >> 8));
    buf_putc(b, (char)value.len);
    buf_put_str(b, value);
}

/* One message: an event, or (exception) a modeled error of the stream
 * (Logs' SessionTimeoutException), which a client raises instead of
 * yielding: :exception-type names it and :message-type is "exception". */
static void message(buf_t *b, arena_t *a, bool exception, str_t type, str_t content_type, str_t payload)
{
    buf_t h;
    buf_init(&h, a);
    /* AWS: S3 SelectObjectContent's messages carry their headers in this order */
    header(&h, exception ? ":exception-type" : ":event-type", type);
    if (content_type.len) header(&h, ":content-type", content_type);
    header(&h, ":message-type", exception ? STR("exception") : STR("event"));
    str_t hs = buf_str(&h);
    size_t start = b->len;
    be32(b, (uint32_t)(12 + hs.len + payload.len + 4));
    be32(b, (uint32_t)hs.len);
    if (b->failed) return;
    be32(b, crc_of(CRC_32, b->p + start, 8));
    buf_put_str(b, hs);
    buf_put_str(b, payload);
    if (b->failed) return;
    be32(b, crc_of(CRC_32, b->p + start, b->len - start));
}

void proto__evs_message(buf_t *b, arena_t *a, str_t event_type, str_t content_type, str_t payload)
{
    message(b, a, false, event_type, content_type, payload);
}

int proto__evs_write(buf_t *b, arena_t *a, const shape_t *s, const val_t *events, str_t struct_type,
                     proto_evs_struct_fn write_struct)
{
    if (!events || events->kind != VAL_LIST) return GR_OK;
    /* one allocation for the stream: blob payloads plus room for each event's
     * prelude, headers, CRC and a small structure payload */
    size_t want = 0;
    for (size_t i = 0; i < events->u.list.n; i++) {
        const val_t *ev = events->u.list.v[i];
        const val_t *body = ev && ev->kind == VAL_STRUCT && ev->u.obj.n == 1 ? ev->u.obj.e[0].v : NULL;
        for (size_t k = 0; body && body->kind == VAL_STRUCT && k < body->u.obj.n; k++)
            if (body->u.obj.e[k].v && body->u.obj.e[k].v->kind == VAL_BLOB) want += body->u.obj.e[k].v->u.s.len;
        want += 256;
    }
    buf_reserve(b, want);
    for (size_t i = 0; i < events->u.list.n; i++) {
        const val_t *ev = events->u.list.v[i];
        if (!ev || ev->kind != VAL_STRUCT || ev->u.obj.n != 1) return GR_ERR;
        str_t type = ev->u.obj.e[0].key;
        const val_t *body = ev->u.obj.e[0].v;
        const member_t *em = NULL;
        for (uint16_t k = 0; k < s->nmembers; k++)
            if (str_eq(str_c(s->members[k].name), type)) em = &s->members[k];
        if (!em || !em->shape) return GR_ERR;
        str_t ctype = STR_NULL, payload = STR_NULL;
        bool has_payload_member = false;
        for (uint16_t k = 0; k < em->shape->nmembers; k++)
            has_payload_member |= !!(em->shape->members[k].flags & MF_EVENTPAYLOAD);
        if (!has_payload_member && em->shape->nmembers) {
            /* no member is the payload: the event's members are, as one
             * document of the protocol (Lambda's InvokeComplete, Kinesis's
             * SubscribeToShardEvent) */
            buf_t p;
            buf_init(&p, a);
            write_struct(&p, a, em->shape, body);
            ctype = struct_type;
            payload = buf_str(&p);
        }
        for (uint16_t k = 0; k < em->shape->nmembers; k++) {
            const member_t *pm = &em->shape->members[k];
            const val_t *pv = (pm->flags & MF_EVENTPAYLOAD) ? val_get(body, pm->name) : NULL;
            if (!pv) continue;
            if (pm->shape->type == SH_BLOB || pm->shape->type == SH_STRING) {
                ctype = STR("application/octet-stream");
                payload = pv->u.s;
            } else if (pm->shape->type == SH_STRUCTURE) {
                buf_t p;
                buf_init(&p, a);
                write_struct(&p, a, pm->shape, pv);
                ctype = struct_type;
                payload = buf_str(&p);
            }
        }
        message(b, a, !!(em->shape->flags & SF_EXCEPTION), type, ctype, payload);
    }
    return b->failed || arena_failed(a) ? GR_ERR : GR_OK;
}
