/* Page cache writeback (mm/page-writeback.c, fs/fs-writeback.c): dirty
 * limits, balance_dirty_pages, the flusher threads (wb_workfn) and the end
 * of writeback (folio_end_writeback), and refaults (mm/workingset.c).
 *
 * Owns: the dirty and writeback page counts' limits, the order in which
 * dirty pages were dirtied (b_dirty), the backing device's queue, the
 * flusher daemon, and bringing reclaimed working-set pages back.  Does not
 * own the LRU lists or which page reclaim writes (vmscan.c).
 */
#ifndef FS_MM_PAGE_WRITEBACK_H
#define FS_MM_PAGE_WRITEBACK_H

#include "engine/run.h"

void fsi_writeback_init(FsiRun *run);
void fsi_writeback_destroy(FsiRun *run);

/* folio_account_dirtied() + balance_dirty_pages(): a page cache page was
 * dirtied by its owner; kicks background writeback above the background
 * threshold and pauses the owner above dirty_ratio (FsiTask.pause_ns). */
void fsi_account_dirtied(FsiRun *run, uint32_t id);
/* folio_start_writeback(): the page (a dirty page cache page, or an
 * anonymous page just added to the swap cache) is clean and under writeback
 * until the device has written it (an FSI_EV_WB_DONE event). */
void fsi_start_writeback(FsiRun *run, uint32_t id);
/* get_request_wait(): how long a writer whose clock reads t waits before
 * the device's queue has room for n more pages (0 if it has room now). */
uint64_t fsi_write_queue_wait(const FsiRun *run, uint64_t t, uint64_t n);
/* wakeup_flusher_threads(WB_REASON_VMSCAN): write every dirty page. */
void fsi_wakeup_flusher_threads(FsiRun *run);

/* The events: the end of one page's writeback, a flusher run. */
void fsi_writeback_done_event(FsiRun *run, uint32_t id, uint64_t gen);
void fsi_flusher_event(FsiRun *run, uint64_t data);

/* A working-set page was reclaimed: its owner reads it again later. */
void fsi_refault_schedule(FsiRun *run, uint32_t id);
void fsi_refault_event(FsiRun *run, uint32_t id, uint64_t gen);
/* A task's read ended (vm.refault_io = queued): its next refault, if one waits. */
void fsi_fault_next_event(FsiRun *run, uint32_t task);

#endif
