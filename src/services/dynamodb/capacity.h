/* capacity.h — the ConsumedCapacity member of DynamoDB answers, built by
 * item.c, query.c and batch.c after an operation succeeded. The units come
 * from ddb__rcu/ddb__wcu (tbl.h); this decides only the shape AWS returns.
 * Invariant (AWS, characterised against DynamoDB): single-item operations,
 * Query, Scan and batches report CapacityUnits alone (plus Table and index
 * entries under INDEXES); only transactions split Read/WriteCapacityUnits. */
#ifndef GR_SERVICES_DYNAMODB_CAPACITY_H
#define GR_SERVICES_DYNAMODB_CAPACITY_H

#include "services/dynamodb/tbl.h"

/* Sets out's ConsumedCapacity for ReturnConsumedCapacity TOTAL/INDEXES
 * (nothing for NONE or absent). read_idx: a read through that index, charged
 * to it; otherwise a write (write true) is also charged to each index old or
 * neu is in. */
void ddb__consumed(req_t *r, const val_t *in, val_t *out, const ddb_table_t *t, double units, bool write,
                   const ddb_index_t *read_idx, const val_t *old, const val_t *neu);

/* A Query or Scan of index x: index_units for the index entries read,
 * table_units for the items fetched from the table (Select ALL_ATTRIBUTES
 * on an index that does not project them all). */
void ddb__consumed_index(req_t *r, const val_t *in, val_t *out, const ddb_table_t *t, const ddb_index_t *x,
                         double index_units, double table_units);

/* Batches and transactions: adds units for table t to list (a VAL_LIST of
 * ConsumedCapacity, one per table, in first-use order). split: also
 * ReadCapacityUnits or WriteCapacityUnits (transactions). A write (old and
 * neu the item before and after, NULL when absent) is also charged to each
 * index either is in. */
void ddb__consumed_add(req_t *r, const val_t *in, val_t *list, const ddb_table_t *t, double units, bool write,
                       bool split, const val_t *old, const val_t *neu);

#endif
