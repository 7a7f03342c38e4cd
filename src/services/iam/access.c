/* access.c — service last accessed data (IAM's "access advisor"):
 * GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails and
 * GetServiceLastAccessedDetailsWithEntities.
 *
 * Recording: authorization (services/authz.c) calls iam_note_access for
 * every request of an IAM user or of a role's session, allowed or denied —
 * AWS reports the last *attempt* by an authenticated entity; the root user
 * and anonymous callers are not IAM entities and are not recorded. A row per
 * entity and service (and per tracked action, for the services AWS tracks
 * actions of: IAM, EC2, Lambda and S3's management actions) keeps the last
 * time and region. Each thread remembers what it wrote in the last minute,
 * so a busy caller costs one write a minute per service, not one a request;
 * AWS itself reports with hours of delay.
 *
 * Reports: a job is its entity's ARN and granularity; it is worked out when
 * read, so it is COMPLETED at once. The services listed are those of
 * gureum's services the entity's policies can grant (grants.c), each with
 * the last attempt among the entities the report covers: the user or role
 * itself, a group's members, or everyone a managed policy is attached to. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "core/gtime.h"
#include "core/id.h"
#include "services/authz.h"
#include "services/iam/iam_int.h"
#include "services/registry.h"

/* ==== Recording ==== */

#define NOTED 64                 /* per thread: recently written (entity, action) keys */
#define NOTE_EVERY_US 60000000LL /* a key is written again after a minute */

static _Thread_local struct {
    uint64_t key;
    int64_t us;
} noted[NOTED];

/* The throttle's key for (account, kind, name, what): what is the action
 * for a tracked-action row, the namespace for the service's row. */
static uint64_t key_hash(str_t account, const char *kind, str_t name, str_t what)
{
    uint64_t h = 1469598103934665603ull;
    str_t parts[4] = {account, str_c(kind), name, what};
    for (int i = 0; i < 4; i++) {
        for (size_t j = 0; j < parts[i].len; j++) h = (h ^ (unsigned char)parts[i].p[j]) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    }
    return h;
}

/* Whether key h was not written by this thread in the last minute. */
static bool due(uint64_t h, int64_t now)
{
    unsigned slot = (unsigned)(h % NOTED);
    return noted[slot].key != h || now - noted[slot].us >= NOTE_EVERY_US;
}

/* AWS tracks actions for IAM, EC2, Lambda and S3's management actions (not
 * object reads and writes). */
static bool tracked(str_t ns, str_t name)
{
    if (str_eq_c(ns, "iam") || str_eq_c(ns, "ec2") || str_eq_c(ns, "lambda")) return true;
    if (!str_eq_c(ns, "s3")) return false;
    static const char *const data[] = {"AbortMultipartUpload", "ListBucket", "ListBucketVersions",
                                       "ListBucketMultipartUploads", "ListMultipartUploadParts"};
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
        if (str_eq_c(name, data[i])) return false;
    for (size_t i = 0; i + 6 <= name.len; i++)
        if (!memcmp(name.p + i, "Object", 6)) return false;
    return true;
}

static void note_one(req_t *r, uint64_t h, const char *kind, str_t name, str_t ns, str_t action, str_t region,
                     int64_t now)
{
    if (iam__exec(r,
                  "INSERT OR REPLACE INTO iam_access (account, kind, name, ns, action, last_us, region) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  "csssis", kind, name, ns, action, now, region) == GR_OK) {
        noted[h % NOTED].key = h;
        noted[h % NOTED].us = now;
    }
}

void iam_note_access(struct app *app, const principal_t *who, str_t action, str_t region)
{
    if (who->root || who->anonymous || !who->account.p) return;
    bool user = who->user_name.len > 0;
    const char *kind = user ? "user" : "role";
    str_t name = user ? who->user_name : principal_session_role(who->arn);
    long colon = str_index(action, ':');
    if (!name.len || colon <= 0) return; /* federated users are no IAM entity */
    str_t ns = str_sub(action, 0, (size_t)colon), op = str_sub(action, (size_t)colon + 1, action.len - colon - 1);
    /* Most calls find both rows written within the minute: nothing to do,
     * decided before anything is allocated. */
    int64_t now = time_now_us();
    uint64_t hs = key_hash(who->account, kind, name, ns);
    uint64_t ha = tracked(ns, op) ? key_hash(who->account, kind, name, action) : 0;
    bool svc = due(hs, now), act = ha && due(ha, now);
    if (!svc && !act) return;
    arena_t *a = arena_new(0);
    req_t *r = a ? iam__private_req(app, who, a) : NULL;
    if (r && svc) note_one(r, hs, kind, name, ns, STR(""), region, now);
    if (r && act) note_one(r, ha, kind, name, ns, action, region, now);
    arena_free(a);
}

/* ==== Reports ==== */

/* The IAM entities (users and roles) a report on arn covers. */
typedef struct {
    const char **kind; /* "user" / "role" */
    str_t *name;
    size_t n, cap;
} ents_t;

static int ent_add(req_t *r, ents_t *e, const char *kind, str_t name)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->kind[i], kind) && str_eq(e->name[i], name)) return GR_OK;
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 8;
        const char **k = arena_realloc(r->arena, e->kind, e->cap * sizeof *k, cap * sizeof *k);
        str_t *nm = k ? arena_realloc(r->arena, e->name, e->cap * sizeof *nm, cap * sizeof *nm) : NULL;
        if (!nm) return GR_ERR;
        e->kind = k, e->name = nm, e->cap = cap;
    }
    e->kind[e->n] = kind;
    e->name[e->n++] = name;
    return GR_OK;
}

static int group_members(req_t *r, str_t group, ents_t *e)
{
    sqlite3_stmt *st =
        iam__stmt(r, "SELECT user FROM iam_group_member WHERE account = ?1 AND grp = ?2 ORDER BY user", "s", group);
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (ent_add(r, e, "user", iam__col(r, st, 0)) != GR_OK) return GR_ERR;
    return GR_OK;
}

/* What a job on arn reports: its entities and the policy documents whose
 * services are listed. A user's, group's or role's ARN, or a managed
 * policy's (customer or AWS). GR_ERR with NoSuchEntity / InvalidInput. */
static int subject(req_t *r, str_t arn, ents_t *e, str_t **docs, size_t *ndocs)
{
    if (str_starts_with(arn, STR("arn:aws:iam::")) && memmem(arn.p, arn.len, ":policy/", 8)) {
        str_t doc = iam__policy_doc(r, arn);
        if (!doc.p) return req_fail(r, &IAM_ERR_NoSuchEntityException, "Policy %.*s does not exist.", STR_FMT(arn));
        *docs = ARENA_NEW(r->arena, str_t);
        if (!*docs) return GR_ERR;
        **docs = doc;
        *ndocs = 1;
        sqlite3_stmt *st = iam__stmt(
            r, "SELECT kind, owner FROM iam_attached WHERE account = ?1 AND policy_arn = ?2 ORDER BY kind, owner", "s",
            arn);
        if (!st) return GR_ERR;
        while (sqlite3_step(st) == SQLITE_ROW) {
            str_t kind = iam__col(r, st, 0), owner = iam__col(r, st, 1);
            int rc = str_eq_c(kind, "group")  ? group_members(r, owner, e)
                     : str_eq_c(kind, "user") ? ent_add(r, e, "user", owner)
                                              : ent_add(r, e, "role", owner);
            if (rc != GR_OK) return GR_ERR;
        }
        return GR_OK;
    }
    const iam__kind_t *k;
    str_t name;
    if (iam__identity_of_arn(r, arn, &k, &name) != GR_OK) return GR_ERR;
    if (iam__entity_docs(r, k->kind, name, docs, ndocs) != GR_OK) return GR_ERR;
    if (k == &iam__group) return group_members(r, name, e);
    return ent_add(r, e, k->kind, name);
}

/* The path and id of user or role name; false when it is gone since (its
 * rows stay: AWS keeps reporting the last access of a deleted entity). */
static bool entity_row(req_t *r, const iam__kind_t *k, str_t name, str_t *path, str_t *id)
{
    sqlite3_stmt *st = iam__stmt(r,
                                 k == &iam__user ? "SELECT path, id FROM iam_user WHERE account = ?1 AND name = ?2"
                                                 : "SELECT path, id FROM iam_role WHERE account = ?1 AND name = ?2",
                                 "s", name);
    if (!st || sqlite3_step(st) != SQLITE_ROW) return false;
    *path = iam__col(r, st, 0);
    *id = iam__col(r, st, 1);
    return true;
}

static str_t entity_arn(req_t *r, const char *kind, str_t name)
{
    const iam__kind_t *k = !strcmp(kind, "user") ? &iam__user : &iam__role;
    str_t path = STR("/"), id;
    entity_row(r, k, name, &path, &id);
    return iam__arn(r, k->arn_type, path, name);
}

/* The last attempt at (ns, action) among e: *us (0: none), by whom, where,
 * and how many of e made one. */
typedef struct {
    int64_t us;
    str_t entity, region;
    int64_t count;
} last_t;

static int last_of(req_t *r, const ents_t *e, str_t ns, str_t action, last_t *out)
{
    *out = (last_t){0};
    sqlite3_stmt *st = iam__stmt(
        r, "SELECT kind, name, last_us, region FROM iam_access WHERE account = ?1 AND ns = ?2 AND action = ?3", "ss",
        ns, action);
    if (!st) return GR_ERR;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str_t kind = iam__col(r, st, 0), name = iam__col(r, st, 1);
        bool in = false;
        for (size_t i = 0; i < e->n && !in; i++) in = str_eq_c(kind, e->kind[i]) && str_eq(name, e->name[i]);
        if (!in) continue;
        out->count++;
        int64_t us = sqlite3_column_int64(st, 2);
        if (us <= out->us) continue;
        out->us = us;
        out->entity = entity_arn(r, str_eq_c(kind, "user") ? "user" : "role", name);
        out->region = iam__col(r, st, 3);
    }
    return GR_OK;
}

/* AWS's names of the services gureum serves (by IAM namespace). */
static const char *service_name(str_t ns)
{
    static const char *const names[][2] = {
        {"cloudwatch", "Amazon CloudWatch"},
        {"dynamodb", "Amazon DynamoDB"},
        {"ec2", "Amazon EC2"},
        {"events", "Amazon EventBridge"},
        {"iam", "AWS Identity and Access Management"},
        {"kinesis", "Amazon Kinesis"},
        {"lambda", "AWS Lambda"},
        {"logs", "Amazon CloudWatch Logs"},
        {"rds", "Amazon RDS"},
        {"route53", "Amazon Route 53"},
        {"s3", "Amazon S3"},
        {"sns", "Amazon SNS"},
        {"sqs", "Amazon SQS"},
        {"sts", "AWS Security Token Service"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (str_eq_c(ns, names[i][0])) return names[i][1];
    return NULL;
}

int iam_generate_service_last_accessed_details(req_t *r, const val_t *in, val_t *out)
{
    str_t arn = val_get_str(in, "Arn"), gran = val_get_str(in, "Granularity");
    ents_t e = {0};
    str_t *docs;
    size_t ndocs;
    if (subject(r, arn, &e, &docs, &ndocs) != GR_OK) return GR_ERR;
    char id[37];
    id_uuid(id);
    if (iam__exec(r,
                  "INSERT INTO iam_access_job (account, id, arn, granularity, created_us) VALUES (?1, ?2, ?3, ?4, ?5)",
                  "sssi", str_c(id), arn, gran.p ? gran : STR("SERVICE_LEVEL"), iam__now()) != GR_OK)
        return GR_ERR;
    return val_set_c(r->arena, out, "JobId", val_strdup(r->arena, str_c(id)));
}

typedef struct {
    str_t arn, granularity;
    int64_t created_us;
    ents_t e;
    str_t *docs;
    size_t ndocs;
} job_t;

/* The job JobId names, its subject read again. */
static int job_of(req_t *r, const val_t *in, val_t *out, job_t *j)
{
    str_t id = val_get_str(in, "JobId");
    sqlite3_stmt *st =
        iam__stmt(r, "SELECT arn, granularity, created_us FROM iam_access_job WHERE account = ?1 AND id = ?2", "s", id);
    if (!st) return GR_ERR;
    if (sqlite3_step(st) != SQLITE_ROW)
        return req_fail(r, &IAM_ERR_NoSuchEntityException, "No such job id: %.*s", STR_FMT(id));
    *j = (job_t){
        .arn = iam__col(r, st, 0), .granularity = iam__col(r, st, 1), .created_us = sqlite3_column_int64(st, 2)};
    if (subject(r, j->arn, &j->e, &j->docs, &j->ndocs) != GR_OK) return GR_ERR;
    arena_t *a = r->arena;
    val_set_c(a, out, "JobStatus", val_cstr(a, "COMPLETED"));
    val_set_c(a, out, "JobCreationDate", val_time(a, j->created_us));
    val_set_c(a, out, "JobCompletionDate", val_time(a, j->created_us));
    return GR_OK;
}

int iam_get_service_last_accessed_details(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    job_t j;
    if (job_of(r, in, out, &j) != GR_OK) return GR_ERR;
    val_set_c(a, out, "JobType", val_str(a, j.granularity));
    bool actions = str_eq_c(j.granularity, "ACTION_LEVEL");
    /* gureum's services, by namespace, once each (DynamoDB Streams signs as dynamodb) */
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < registry_count; i++) {
        str_t ns = str_c(authz_iam_prefix(registry[i].model->signing_name));
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) seen = str_eq_c(ns, authz_iam_prefix(registry[k].model->signing_name));
        const char *svc = service_name(ns);
        if (seen || !svc) continue;
        bool granted = false;
        for (size_t d = 0; d < j.ndocs && !granted; d++) granted = iam__doc_grants(r, j.docs[d], ns);
        if (!granted) continue;
        last_t l;
        if (last_of(r, &j.e, ns, STR(""), &l) != GR_OK) return GR_ERR;
        val_t *s = val_new(a, VAL_STRUCT);
        val_set_c(a, s, "ServiceName", val_cstr(a, svc));
        val_set_c(a, s, "ServiceNamespace", val_str(a, ns));
        if (l.us) {
            val_set_c(a, s, "LastAuthenticated", val_time(a, l.us));
            val_set_c(a, s, "LastAuthenticatedEntity", val_str(a, l.entity));
            val_set_c(a, s, "LastAuthenticatedRegion", val_str(a, l.region));
        }
        val_set_c(a, s, "TotalAuthenticatedEntities", val_int(a, l.count));
        if (actions && tracked(ns, STR(""))) {
            val_t *acts = val_new(a, VAL_LIST);
            sqlite3_stmt *st = iam__stmt(r,
                                         "SELECT DISTINCT action FROM iam_access WHERE account = ?1 AND ns = ?2 AND "
                                         "action != '' ORDER BY action",
                                         "s", ns);
            if (!st) return GR_ERR;
            while (sqlite3_step(st) == SQLITE_ROW) {
                str_t act = iam__col(r, st, 0);
                last_t la;
                if (last_of(r, &j.e, ns, act, &la) != GR_OK) return GR_ERR;
                if (!la.us) continue;
                val_t *t = val_new(a, VAL_STRUCT);
                val_set_c(a, t, "ActionName", val_str(a, str_sub(act, ns.len + 1, act.len - ns.len - 1)));
                val_set_c(a, t, "LastAccessedEntity", val_str(a, la.entity));
                val_set_c(a, t, "LastAccessedTime", val_time(a, la.us));
                val_set_c(a, t, "LastAccessedRegion", val_str(a, la.region));
                val_push(a, acts, t);
            }
            val_set_c(a, s, "TrackedActionsLastAccessed", acts);
        }
        val_push(a, list, s);
    }
    return arena_failed(a) ? GR_ERR : iam__paginate(r, in, out, "ServicesLastAccessed", list);
}

int iam_get_service_last_accessed_details_with_entities(req_t *r, const val_t *in, val_t *out)
{
    arena_t *a = r->arena;
    job_t j;
    if (job_of(r, in, out, &j) != GR_OK) return GR_ERR;
    str_t ns = val_get_str(in, "ServiceNamespace");
    val_t *list = val_new(a, VAL_LIST);
    for (size_t i = 0; i < j.e.n; i++) {
        ents_t one = {.kind = &j.e.kind[i], .name = &j.e.name[i], .n = 1, .cap = 1};
        last_t l;
        if (last_of(r, &one, ns, STR(""), &l) != GR_OK) return GR_ERR;
        const iam__kind_t *k = !strcmp(j.e.kind[i], "user") ? &iam__user : &iam__role;
        str_t path, id;
        if (!entity_row(r, k, j.e.name[i], &path, &id)) continue; /* removed since: not listed */
        val_t *info = val_new(a, VAL_STRUCT);
        val_set_c(a, info, "Arn", val_str(a, iam__arn(r, k->arn_type, path, j.e.name[i])));
        val_set_c(a, info, "Name", val_str(a, j.e.name[i]));
        val_set_c(a, info, "Type", val_cstr(a, k == &iam__user ? "USER" : "ROLE"));
        val_set_c(a, info, "Id", val_str(a, id));
        val_set_c(a, info, "Path", val_str(a, path));
        val_t *d = val_new(a, VAL_STRUCT);
        val_set_c(a, d, "EntityInfo", info);
        if (l.us) val_set_c(a, d, "LastAuthenticated", val_time(a, l.us));
        val_push(a, list, d);
    }
    return arena_failed(a) ? GR_ERR : iam__paginate(r, in, out, "EntityDetailsList", list);
}
