/* Element access by pcclDataType_t, in doubles: the test values are small integers, exact in every type. */
#ifndef PCCL_TEST_VALUES_H
#define PCCL_TEST_VALUES_H

#include <stdint.h>
#include <string.h>
#include "pccl.h"

static const pcclDataType_t all_types[] = {pcclUint8, pcclInt8, pcclInt16, pcclUint16, pcclUint32, pcclInt32,
                                           pcclUint64, pcclInt64, pcclFloat16, pcclBFloat16, pcclFloat, pcclDouble};

static inline size_t element_size(pcclDataType_t type) {
    switch (type) {
    case pcclUint8: case pcclInt8: return 1;
    case pcclInt16: case pcclUint16: case pcclFloat16: case pcclBFloat16: return 2;
    case pcclUint32: case pcclInt32: case pcclFloat: return 4;
    default: return 8;
    }
}

static inline int is_float(pcclDataType_t type) {
    return type == pcclFloat16 || type == pcclBFloat16 || type == pcclFloat || type == pcclDouble;
}

static inline void set_value(pcclDataType_t type, void *buffer, size_t i, double v) {
    switch (type) {
    case pcclUint8: ((uint8_t *)buffer)[i] = (uint8_t)v; break;
    case pcclInt8: ((int8_t *)buffer)[i] = (int8_t)v; break;
    case pcclInt16: ((int16_t *)buffer)[i] = (int16_t)v; break;
    case pcclUint16: ((uint16_t *)buffer)[i] = (uint16_t)v; break;
    case pcclUint32: ((uint32_t *)buffer)[i] = (uint32_t)v; break;
    case pcclInt32: ((int32_t *)buffer)[i] = (int32_t)v; break;
    case pcclUint64: ((uint64_t *)buffer)[i] = (uint64_t)v; break;
    case pcclInt64: ((int64_t *)buffer)[i] = (int64_t)v; break;
    case pcclFloat16: ((_Float16 *)buffer)[i] = (_Float16)v; break;
    case pcclBFloat16: { float f = (float)v; uint32_t bits; memcpy(&bits, &f, 4); ((uint16_t *)buffer)[i] = (uint16_t)(bits >> 16); break; }
    case pcclFloat: ((float *)buffer)[i] = (float)v; break;
    case pcclDouble: ((double *)buffer)[i] = v; break;
    }
}

static inline double get_value(pcclDataType_t type, const void *buffer, size_t i) {
    switch (type) {
    case pcclUint8: return ((const uint8_t *)buffer)[i];
    case pcclInt8: return ((const int8_t *)buffer)[i];
    case pcclInt16: return ((const int16_t *)buffer)[i];
    case pcclUint16: return ((const uint16_t *)buffer)[i];
    case pcclUint32: return ((const uint32_t *)buffer)[i];
    case pcclInt32: return ((const int32_t *)buffer)[i];
    case pcclUint64: return (double)((const uint64_t *)buffer)[i];
    case pcclInt64: return (double)((const int64_t *)buffer)[i];
    case pcclFloat16: return (double)((const _Float16 *)buffer)[i];
    case pcclBFloat16: { uint32_t bits = (uint32_t)((const uint16_t *)buffer)[i] << 16; float f; memcpy(&f, &bits, 4); return f; }
    case pcclFloat: return ((const float *)buffer)[i];
    case pcclDouble: return ((const double *)buffer)[i];
    }
    return 0;
}

#endif
