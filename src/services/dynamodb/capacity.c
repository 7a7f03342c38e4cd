/* capacity.c — the ConsumedCapacity member of DynamoDB answers (capacity.h).
 *
 * Request flow: an operation in item.c, query.c or batch.c has succeeded and
 * knows its units; this writes them in AWS's shape, and counts them in
 * AWS/DynamoDB's ConsumedRead/WriteCapacityUnits (metrics.c). Invariant: nothing is
 * built unless ReturnConsumedCapacity asks for it, so the common request
 * pays one member lookup. */
#include "services/dynamodb/capacity.h"

static bool wanted(const val_t *in, bool *indexes)
{
    str_t mode = val_get_str(in, "ReturnConsumedCapacity");
    *indexes = str_eq_c(mode, "INDEXES");
    return mode.p && !str_eq_c(mode, "NONE");
}

/* {"CapacityUnits": units}, with the read or write split when asked. */
static val_t *units_of(arena_t *a, double units, bool write, bool split)
{
    val_t *u = val_new(a, VAL_STRUCT);
    val_set_c(a, u, "CapacityUnits", val_float(a, units));
    if (split) val_set_c(a, u, write ? "WriteCapacityUnits" : "ReadCapacityUnits", val_float(a, units));
    return u;
}

static bool in_index(const ddb_index_t *x, const val_t *item)
{
    if (!item) return false;
    for (size_t j = 0; j < x->nkey; j++)
        if (!val_get_s(item, x->key[j])) return false;
    return true;
}

/* The units of one operation in AWS/DynamoDB's capacity metrics: the
 * table's own, and each global secondary index's it read or wrote. */
static void count_units(req_t *r, const ddb_table_t *t, double table_units, bool write, const ddb_index_t *read_idx,
                        double read_idx_units, const val_t *old, const val_t *neu)
{
    double own = table_units;
    if (read_idx && read_idx->global) ddb__metric_units(r, t, read_idx, read_idx_units, write);
    for (size_t i = 0; write && i < t->nidx; i++) {
        if (!in_index(&t->idx[i], old) && !in_index(&t->idx[i], neu)) continue;
        if (t->idx[i].global)
            ddb__metric_units(r, t, &t->idx[i], table_units, write);
        else
            own += table_units; /* AWS: a local index's writes are the table's capacity */
    }
    if (own > 0) ddb__metric_units(r, t, NULL, own, write);
}

static void consumed(req_t *r, const val_t *in, val_t *out, const ddb_table_t *t, double units, double fetched,
                     bool write, const ddb_index_t *read_idx, const val_t *old, const val_t *neu)
{
    /* a local index's reads are the table's capacity (AWS: LSIs share it) */
    double own = read_idx ? fetched + (read_idx->global ? 0 : units) : units;
    count_units(r, t, own, write, read_idx, units, old, neu);
    bool indexes;
    if (!wanted(in, &indexes)) return;
    arena_t *a = r->arena;
    val_t *cc = val_new(a, VAL_STRUCT);
    val_set_c(a, cc, "TableName", val_str(a, t->name));
    /* AWS: a read through an index is charged to the index, and items
     * fetched from the table for attributes the index lacks to the table
     * (else the table's entry shows 0); a write to the table and to every index whose
     * entry it adds, changes or removes (dynalite's suite, checked against
     * DynamoDB: Table {CapacityUnits: 0} beside the index's units). */
    double table_units = read_idx ? fetched : units, total = units + (read_idx ? fetched : 0);
    val_t *gsi = NULL, *lsi = NULL;
    for (size_t i = 0; i < t->nidx; i++) {
        const ddb_index_t *x = &t->idx[i];
        double xu = 0;
        if (read_idx)
            xu = x == read_idx ? units : 0;
        else if (write && (in_index(x, old) || in_index(x, neu)))
            xu = units;
        if (xu == 0) continue;
        if (write) total += xu;
        if (!indexes) continue;
        val_t **m = x->global ? &gsi : &lsi;
        if (!*m) *m = val_new(a, VAL_MAP);
        val_set(a, *m, x->name, units_of(a, xu, write, false));
    }
    val_set_c(a, cc, "CapacityUnits", val_float(a, total));
    if (indexes) {
        val_set_c(a, cc, "Table", units_of(a, table_units, write, false));
        if (lsi) val_set_c(a, cc, "LocalSecondaryIndexes", lsi);
        if (gsi) val_set_c(a, cc, "GlobalSecondaryIndexes", gsi);
    }
    val_set_c(a, out, "ConsumedCapacity", cc);
}

void ddb__consumed(req_t *r, const val_t *in, val_t *out, const ddb_table_t *t, double units, bool write,
                   const ddb_index_t *read_idx, const val_t *old, const val_t *neu)
{
    consumed(r, in, out, t, units, 0, write, read_idx, old, neu);
}

void ddb__consumed_index(req_t *r, const val_t *in, val_t *out, const ddb_table_t *t, const ddb_index_t *x,
                         double index_units, double table_units)
{
    consumed(r, in, out, t, index_units, table_units, false, x, NULL, NULL);
}

static void add_to(val_t *u, const char *name, double units)
{
    val_t *x = val_get(u, name);
    if (x) x->u.f += units;
}

/* Adds units to the {index name: {CapacityUnits}} map *m (made when
 * missing). */
static void add_index_units(arena_t *a, val_t **m, str_t name, double units, bool write, bool split)
{
    if (!*m) *m = val_new(a, VAL_MAP);
    val_t *u = val_get_s(*m, name);
    if (!u) {
        val_set(a, *m, name, units_of(a, units, write, split));
        return;
    }
    add_to(u, "CapacityUnits", units);
    add_to(u, write ? "WriteCapacityUnits" : "ReadCapacityUnits", units);
}

void ddb__consumed_add(req_t *r, const val_t *in, val_t *list, const ddb_table_t *t, double units, bool write,
                       bool split, const val_t *old, const val_t *neu)
{
    count_units(r, t, units, write, NULL, 0, old, neu);
    bool indexes;
    if (!wanted(in, &indexes)) return;
    arena_t *a = r->arena;
    const char *rw = write ? "WriteCapacityUnits" : "ReadCapacityUnits";
    val_t *cc = NULL;
    for (size_t i = 0; i < list->u.list.n && !cc; i++)
        if (str_eq(val_get_str(list->u.list.v[i], "TableName"), t->name)) cc = list->u.list.v[i];
    if (!cc) {
        cc = units_of(a, 0, write, split);
        val_set_c(a, cc, "TableName", val_str(a, t->name));
        /* AWS (dynalite's suite): BatchGetItem/BatchWriteItem under INDEXES
         * carry Table {CapacityUnits} with the table's units. */
        if (indexes) val_set_c(a, cc, "Table", units_of(a, 0, write, split));
        val_push(a, list, cc);
    }
    /* AWS: as for a single write, a batched or transactional write is also
     * charged to every index whose entry it adds, changes or removes
     * (ScyllaDB's suite, run against DynamoDB, reads them under INDEXES). */
    double total = units;
    val_t *gsi = val_get(cc, "GlobalSecondaryIndexes"), *lsi = val_get(cc, "LocalSecondaryIndexes");
    bool had_gsi = gsi, had_lsi = lsi;
    for (size_t i = 0; write && i < t->nidx; i++) {
        const ddb_index_t *x = &t->idx[i];
        if (!in_index(x, old) && !in_index(x, neu)) continue;
        total += units;
        if (indexes) add_index_units(a, x->global ? &gsi : &lsi, x->name, units, write, split);
    }
    if (lsi && !had_lsi) val_set_c(a, cc, "LocalSecondaryIndexes", lsi);
    if (gsi && !had_gsi) val_set_c(a, cc, "GlobalSecondaryIndexes", gsi);
    add_to(cc, "CapacityUnits", total);
    add_to(cc, rw, total);
    val_t *tu = val_get(cc, "Table");
    if (tu) {
        add_to(tu, "CapacityUnits", units);
        add_to(tu, rw, units);
    }
}
