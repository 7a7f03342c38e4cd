/* torrent.c — GetObjectTorrent (GET /{Bucket}/{Key}?torrent): a BitTorrent
 * metainfo file (BEP 3) for the object's current version, its pieces'
 * SHA-1s computed from the stored bytes (s3__obj_bytes), 256 KiB pieces as
 * S3's torrents use. gureum runs no tracker, so the file names none; its
 * url-list (BEP 19 web seed) is the object's URL at this endpoint, from
 * which any BitTorrent client can fetch the pieces over plain HTTP when the
 * object is readable to it. The info dictionary carries x-amz-bucket and
 * x-amz-key, as S3's does. */
#include <openssl/evp.h>
#include <string.h>

#include "core/buf.h"
#include "core/wire.h"
#include "s3_bucket.h"
#include "s3_internal.h"
#include "s3_model.h"
#include "store/store.h"

#define PIECE (256u << 10)

typedef struct {
    EVP_MD_CTX *sha1;
    size_t in_piece; /* bytes of the current piece hashed so far */
    buf_t pieces;    /* 20 bytes per finished piece */
} pieces_t;

static void end_piece(pieces_t *p)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(p->sha1, d, &n);
    buf_append(&p->pieces, d, 20);
    EVP_DigestInit_ex(p->sha1, EVP_sha1(), NULL);
    p->in_piece = 0;
}

static int hash_bytes(void *ctx, const char *b, size_t n)
{
    pieces_t *p = ctx;
    while (n) {
        size_t k = PIECE - p->in_piece < n ? PIECE - p->in_piece : n;
        EVP_DigestUpdate(p->sha1, b, k);
        p->in_piece += k, b += k, n -= k;
        if (p->in_piece == PIECE) end_piece(p);
    }
    return GR_OK;
}

static void bstr(buf_t *b, str_t s)
{
    buf_printf(b, "%zu:", s.len);
    buf_put_str(b, s);
}

static void free_md(void *p)
{
    EVP_MD_CTX_free(p);
}

int s3_get_object_torrent(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    str_t bucket = val_get_str(in, "Bucket"), key = val_get_str(in, "Key");
    sqlite3 *db = s3__db(r);
    if (!db || s3__bucket(r, bucket, NULL) != GR_OK) return GR_ERR;
    pieces_t p = {.sha1 = EVP_MD_CTX_new()};
    if (!p.sha1 || arena_defer(a, free_md, p.sha1) < 0) {
        EVP_MD_CTX_free(p.sha1);
        return GR_ERR;
    }
    EVP_DigestInit_ex(p.sha1, EVP_sha1(), NULL);
    buf_init(&p.pieces, a);
    /* the row and its blobs read in one transaction, as GetObject reads them */
    if (s3__begin_read(db) != GR_OK) return GR_ERR;
    s3_obj_t o;
    int found = s3__obj_get(r, db, bucket, key, &o), rc = GR_ERR;
    if (found == 0)
        rc = s3__no_such_key(r, key);
    else if (found > 0 && s3__archive_check(r, &o, NULL, S3_ARCHIVE_READ) == GR_OK)
        rc = s3__obj_bytes(r, &o, 0, o.size, hash_bytes, &p);
    if (s3__commit(db) != GR_OK) s3__rollback(db);
    if (rc != GR_OK) return GR_ERR;
    if (p.in_piece || !o.size) end_piece(&p);

    str_t name = key;
    for (size_t i = key.len; i > 0; i--)
        if (key.p[i - 1] == '/') {
            name = str_sub(key, i, key.len - i);
            break;
        }
    str_t host = wire_header(&r->w, "Host");
    str_t url = str_c(arena_printf(a, "http://%.*s/%.*s/%.*s", STR_FMT(host), STR_FMT(bucket),
                                   STR_FMT(wire_url_encode(a, key, true))));
    /* bencoded, every dictionary's keys in byte order */
    buf_t b;
    buf_init(&b, a);
    buf_printf(&b, "d4:infod6:lengthi%llde4:name", (long long)o.size);
    bstr(&b, name.len ? name : key);
    buf_printf(&b, "12:piece lengthi%ue6:pieces", PIECE);
    bstr(&b, buf_str(&p.pieces));
    buf_puts(&b, "12:x-amz-bucket");
    bstr(&b, bucket);
    buf_puts(&b, "9:x-amz-key");
    bstr(&b, key);
    buf_puts(&b, "e8:url-list");
    bstr(&b, url);
    buf_putc(&b, 'e');
    val_set_c(a, out, "Body", val_blob(a, buf_str(&b)));
    return GR_OK;
}
