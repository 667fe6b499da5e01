/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — order sourcing with experimentation built in. One include for all. */
#ifndef ORDO_H
#define ORDO_H

#include "error.h"
#include "arena.h"
#include "buf.h"
#include "json.h"
#include "util.h"
#include "geo.h"
#include "network.h"
#include "inventory.h"
#include "order.h"
#include "policy.h"
#include "signals.h"
#include "source.h"
#include "record.h"
#include "datadir.h"
#include "config.h"
#include "store.h"
#include "stats.h"
#include "log.h"
#include "exp.h"
#include "decide.h"
#include "lanes.h"
#include "model.h"

#endif
