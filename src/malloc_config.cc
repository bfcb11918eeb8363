// jemalloc's options for the floe binary (jemalloc reads this symbol when
// it starts; MALLOC_CONF in the environment still overrides it).
//
// thp:always asks for transparent huge pages on jemalloc's arenas. The
// kernel's default mode here is "madvise", so without it every 4 KiB page
// floe first touches is a page fault, and on virtual machines a fault is
// expensive: `floe models compile` of 10,000 models spent a third of its
// time in them (0.59 s -> 0.45 s with it; docs/PERFORMANCE.md). The cost is
// memory rounded up to 2 MiB extents: ~20 MiB more peak RSS there.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always";
}
