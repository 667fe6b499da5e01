/* SPDX-License-Identifier: Apache-2.0 */
/* The US ZIP centroid table (data/us-zips.csv), embedded as bytes so the
 * library needs no data files at run time. ORDO_ZIPS_CSV is set by CMake. */
    .section .rodata
    .global ordo_zipdata_begin
    .global ordo_zipdata_end
    .balign 16
ordo_zipdata_begin:
    .incbin ORDO_ZIPS_CSV
ordo_zipdata_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
