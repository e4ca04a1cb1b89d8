/* pastream SPSC ring buffer. See include/pastream/ring.h for the contract. */
#include "pastream/ring.h"

#include <stdatomic.h>
#include <string.h>

uint32_t pas_ring_load_acquire(const uint8_t *base, size_t offset) {
  /* acquire: the other side's data writes (or reads) happen-before what we do next */
  return atomic_load_explicit((const _Atomic uint32_t *)(const void *)(base + offset),
                              memory_order_acquire);
}

void pas_ring_store_release(uint8_t *base, size_t offset, uint32_t value) {
  /* release: our data writes (or reads) are complete before the index moves */
  atomic_store_explicit((_Atomic uint32_t *)(void *)(base + offset), value,
                        memory_order_release);
}

/* Plain (relaxed) view of our own index: only its owner writes it. */
static uint32_t own_index(const uint8_t *base, size_t offset) {
  return atomic_load_explicit((const _Atomic uint32_t *)(const void *)(base + offset),
                              memory_order_relaxed);
}

static void put_u32(uint8_t *base, size_t offset, uint32_t value) {
  memcpy(base + offset, &value, sizeof value);
}

static uint32_t get_u32(const uint8_t *base, size_t offset) {
  uint32_t value;
  memcpy(&value, base + offset, sizeof value);
  return value;
}

size_t pas_ring_bytes(uint32_t elementsize, uint32_t size) {
  uint64_t data = (uint64_t)elementsize * (uint64_t)size;
  uint64_t total = data + PAS_RING_HEADER_BYTES;
  if ((uint64_t)(size_t)total != total) return 0;
  return (size_t)total;
}

static int check_shape(uint32_t elementsize, uint32_t size, size_t bytes) {
  if (elementsize == 0) return PAS_RING_E_ELEMENTSIZE;
  if (size == 0 || size > PAS_RING_MAX_SIZE || (size & (size - 1)) != 0)
    return PAS_RING_E_SIZE;
  size_t need = pas_ring_bytes(elementsize, size);
  if (need == 0 || bytes < need) return PAS_RING_E_TOO_SMALL;
  return PAS_RING_OK;
}

static void fill_view(pas_ring_t *ring, uint8_t *base, uint32_t elementsize, uint32_t size) {
  ring->base = base;
  ring->data = base + PAS_RING_HEADER_BYTES;
  ring->elementsize = elementsize;
  ring->size = size;
  ring->mask = size - 1;
}

int pas_ring_init(pas_ring_t *ring, void *memory, size_t bytes, uint32_t elementsize,
                  uint32_t size) {
  if (ring == NULL || memory == NULL) return PAS_RING_E_NULL;
  if (((uintptr_t)memory & 7u) != 0) return PAS_RING_E_ALIGNMENT;
  int rc = check_shape(elementsize, size, bytes);
  if (rc != PAS_RING_OK) return rc;
  uint8_t *base = (uint8_t *)memory;
  memset(base, 0, PAS_RING_HEADER_BYTES);
  put_u32(base, PAS_RING_MAGIC_OFFSET, PAS_RING_MAGIC);
  put_u32(base, PAS_RING_VERSION_OFFSET, PAS_RING_VERSION);
  put_u32(base, PAS_RING_ELEMENTSIZE_OFFSET, elementsize);
  put_u32(base, PAS_RING_SIZE_OFFSET, size);
  fill_view(ring, base, elementsize, size);
  return PAS_RING_OK;
}

int pas_ring_attach(pas_ring_t *ring, void *memory, size_t bytes) {
  if (ring == NULL || memory == NULL) return PAS_RING_E_NULL;
  if (((uintptr_t)memory & 7u) != 0) return PAS_RING_E_ALIGNMENT;
  if (bytes < PAS_RING_HEADER_BYTES) return PAS_RING_E_TOO_SMALL;
  uint8_t *base = (uint8_t *)memory;
  if (get_u32(base, PAS_RING_MAGIC_OFFSET) != PAS_RING_MAGIC ||
      get_u32(base, PAS_RING_VERSION_OFFSET) != PAS_RING_VERSION)
    return PAS_RING_E_MAGIC;
  uint32_t elementsize = get_u32(base, PAS_RING_ELEMENTSIZE_OFFSET);
  uint32_t size = get_u32(base, PAS_RING_SIZE_OFFSET);
  int rc = check_shape(elementsize, size, bytes);
  if (rc != PAS_RING_OK) return rc;
  fill_view(ring, base, elementsize, size);
  return PAS_RING_OK;
}

const char *pas_ring_strerror(int code) {
  switch (code) {
    case PAS_RING_OK: return "ok";
    case PAS_RING_E_NULL: return "ring memory is missing";
    case PAS_RING_E_SIZE: return "ring size must be a power of two between 1 and 2^31";
    case PAS_RING_E_ELEMENTSIZE: return "ring elementsize must be at least 1 byte";
    case PAS_RING_E_TOO_SMALL: return "ring memory is smaller than header + size * elementsize";
    case PAS_RING_E_MAGIC: return "memory is not a pastream ring (bad magic or version)";
    case PAS_RING_E_ALIGNMENT: return "ring memory must be 8-byte aligned";
    default: return "unknown ring error";
  }
}

void pas_ring_set_writer(pas_ring_t *ring, uint32_t writer) {
  pas_ring_store_release(ring->base, PAS_RING_WRITER_OFFSET, writer);
}

uint32_t pas_ring_writer(const pas_ring_t *ring) {
  return pas_ring_load_acquire(ring->base, PAS_RING_WRITER_OFFSET);
}

uint32_t pas_ring_read_index(const pas_ring_t *ring) {
  return pas_ring_load_acquire(ring->base, PAS_RING_READ_INDEX_OFFSET);
}

uint32_t pas_ring_write_index(const pas_ring_t *ring) {
  return pas_ring_load_acquire(ring->base, PAS_RING_WRITE_INDEX_OFFSET);
}

uint32_t pas_ring_read_available(const pas_ring_t *ring) {
  uint32_t write = pas_ring_load_acquire(ring->base, PAS_RING_WRITE_INDEX_OFFSET);
  uint32_t read = own_index(ring->base, PAS_RING_READ_INDEX_OFFSET);
  return write - read; /* wraps correctly: size <= 2^31 */
}

uint32_t pas_ring_write_available(const pas_ring_t *ring) {
  uint32_t read = pas_ring_load_acquire(ring->base, PAS_RING_READ_INDEX_OFFSET);
  uint32_t write = own_index(ring->base, PAS_RING_WRITE_INDEX_OFFSET);
  return ring->size - (write - read);
}

static uint32_t regions(const pas_ring_t *ring, uint32_t index, uint32_t count,
                        void **region1, uint32_t *size1, void **region2, uint32_t *size2) {
  uint32_t pos = index & ring->mask;
  uint32_t first = ring->size - pos;
  *region1 = ring->data + (size_t)pos * ring->elementsize;
  if (count <= first) {
    *size1 = count;
    *region2 = NULL;
    *size2 = 0;
  } else {
    *size1 = first;
    *region2 = ring->data;
    *size2 = count - first;
  }
  return count;
}

uint32_t pas_ring_get_read_regions(const pas_ring_t *ring, uint32_t count, void **region1,
                                   uint32_t *size1, void **region2, uint32_t *size2) {
  uint32_t available = pas_ring_read_available(ring);
  if (count > available) count = available;
  return regions(ring, own_index(ring->base, PAS_RING_READ_INDEX_OFFSET), count, region1,
                 size1, region2, size2);
}

uint32_t pas_ring_get_write_regions(const pas_ring_t *ring, uint32_t count, void **region1,
                                    uint32_t *size1, void **region2, uint32_t *size2) {
  uint32_t available = pas_ring_write_available(ring);
  if (count > available) count = available;
  return regions(ring, own_index(ring->base, PAS_RING_WRITE_INDEX_OFFSET), count, region1,
                 size1, region2, size2);
}

void pas_ring_advance_read(pas_ring_t *ring, uint32_t count) {
  uint32_t read = own_index(ring->base, PAS_RING_READ_INDEX_OFFSET);
  /* release: our reads of the data are done before the producer may overwrite it */
  pas_ring_store_release(ring->base, PAS_RING_READ_INDEX_OFFSET, read + count);
}

void pas_ring_advance_write(pas_ring_t *ring, uint32_t count) {
  uint32_t write = own_index(ring->base, PAS_RING_WRITE_INDEX_OFFSET);
  /* release: the samples are visible before write_index says they exist */
  pas_ring_store_release(ring->base, PAS_RING_WRITE_INDEX_OFFSET, write + count);
}

uint32_t pas_ring_read(pas_ring_t *ring, void *dest, uint32_t count) {
  void *r1, *r2;
  uint32_t n1, n2;
  uint32_t n = pas_ring_get_read_regions(ring, count, &r1, &n1, &r2, &n2);
  size_t es = ring->elementsize;
  if (n1) memcpy(dest, r1, (size_t)n1 * es);
  if (n2) memcpy((uint8_t *)dest + (size_t)n1 * es, r2, (size_t)n2 * es);
  pas_ring_advance_read(ring, n);
  return n;
}

uint32_t pas_ring_write(pas_ring_t *ring, const void *src, uint32_t count) {
  void *r1, *r2;
  uint32_t n1, n2;
  uint32_t n = pas_ring_get_write_regions(ring, count, &r1, &n1, &r2, &n2);
  size_t es = ring->elementsize;
  if (n1) memcpy(r1, src, (size_t)n1 * es);
  if (n2) memcpy(r2, (const uint8_t *)src + (size_t)n1 * es, (size_t)n2 * es);
  pas_ring_advance_write(ring, n);
  return n;
}

uint32_t pas_ring_flush(pas_ring_t *ring) {
  uint32_t available = pas_ring_read_available(ring);
  pas_ring_advance_read(ring, available);
  return available;
}

void pas_ring_set_read_index(pas_ring_t *ring, uint32_t index) {
  pas_ring_store_release(ring->base, PAS_RING_READ_INDEX_OFFSET, index);
}
