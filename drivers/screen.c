/*
 * screen.c - the text model behind the screen console: cells, cursor,
 * scrolling, and the nesting rule of screen.h. Knows nothing about pixels
 * or ports; built for the host tests as well.
 *
 * Rows are a ring: logical row r is stored in ring row (top + r) % rows,
 * so a scroll moves `top` and blanks one row instead of copying the
 * screen. shown[][] is what the display holds, by screen position; a
 * redraw compares and draws only the differences.
 */
#include "drivers/screen.h"

#define PEND_SIZE	1024u		/* nested output queue, a power of two */
#define EARLY_SIZE	8192u		/* output before screen_attach */

static unsigned char cells[SCREEN_ROWS_MAX][SCREEN_COLS_MAX];
static unsigned char shown[SCREEN_ROWS_MAX][SCREEN_COLS_MAX];
static struct screen_backend backend;
static unsigned n_cols, n_rows, top, cur_row, cur_col;
static bool attached, detached, in_escape;

static volatile unsigned depth;
static unsigned char pend[PEND_SIZE];
static volatile unsigned pend_head, pend_tail;

#ifdef IRQLAB_HOST_TEST
/* Negative control for tests/unit/test_screencheck.c: nested calls draw
 * directly, as a screen without the queue would. */
bool screen_test_no_queue;
/* Called once (then cleared) inside a queue reservation, between reading
 * pend_head and claiming the slot: where a deeper nesting can strike. */
void (*screen_test_reserve_window)(void);
static void reserve_window(void)
{
	void (*fn)(void) = screen_test_reserve_window;

	screen_test_reserve_window = NULL;
	if (fn)
		fn();
}
#else
#define screen_test_no_queue false
static inline void reserve_window(void)
{
}
#endif

static char early[EARLY_SIZE];
static unsigned early_len;
static uint64_t dropped;

static inline void compiler_barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static unsigned ring(unsigned r)
{
	return (top + r) % n_rows;
}

static void put_cell(unsigned r, unsigned c, unsigned char ch)
{
	/* The caller's cursor may be half updated (screen_flush_final in
	 * the middle of an interrupted call); shown[] has no slack row or
	 * column at the maxima. */
	if (r >= n_rows || c >= n_cols)
		return;
	cells[ring(r)][c] = ch;
	if (shown[r][c] != ch) {
		backend.draw(backend.ctx, r, c, ch);
		shown[r][c] = ch;
	}
}

static void redraw(void)
{
	for (unsigned r = 0; r < n_rows; r++) {
		const unsigned char *want = cells[ring(r)];

		for (unsigned c = 0; c < n_cols; c++)
			if (shown[r][c] != want[c]) {
				backend.draw(backend.ctx, r, c, want[c]);
				shown[r][c] = want[c];
			}
	}
}

static void newline(void)
{
	cur_col = 0;
	if (cur_row + 1 < n_rows) {
		cur_row++;
		return;
	}
	top = (top + 1) % n_rows;
	for (unsigned c = 0; c < n_cols; c++)
		cells[ring(n_rows - 1)][c] = ' ';
	redraw();
}

/* One byte, outermost context only. Cursor and ring indices are taken
 * modulo the screen here even though the model keeps them in range:
 * screen_flush_final() may run while an interrupted call is half done. */
static void draw_char(unsigned char ch)
{
	if (cur_row >= n_rows)
		cur_row = n_rows - 1;
	if (top >= n_rows)
		top = 0;
	/* ANSI escape sequences (ESC [ ... final byte): skipped, not shown. */
	if (in_escape) {
		if (ch >= 0x40 && ch <= 0x7e && ch != '[')
			in_escape = false;
		return;
	}
	switch (ch) {
	case '\n':
		newline();
		return;
	case '\r':
		cur_col = 0;
		return;
	case '\t':
		cur_col = (cur_col / SCREEN_TAB + 1) * SCREEN_TAB;
		if (cur_col >= n_cols)
			newline();
		return;
	case '\b':
		if (cur_col > 0)
			cur_col--;
		return;
	case 0x1b:
		in_escape = true;
		return;
	}
	if (ch < 0x20 || ch == 0x7f)
		return;
	if (cur_col >= n_cols)
		newline();
	put_cell(cur_row, cur_col, ch);
	cur_col++;
}

static void count_drop(void)
{
	/* One locked add: a nested context may be counting too. */
	__atomic_fetch_add(&dropped, 1, __ATOMIC_RELAXED);
}

static void drain(void)
{
	while (pend_tail != pend_head) {
		unsigned char ch = pend[pend_tail % PEND_SIZE];

		/* The byte is read before its slot is handed back: a nested
		 * call may reuse the slot as soon as pend_tail moves. */
		compiler_barrier();
		pend_tail++;
		draw_char(ch);
	}
}

/* Nested: append c to the queue. Checking for room and claiming the slot
 * is one compare-and-exchange on pend_head, so a deeper nesting (an NMI
 * inside a #PF inside a print) that takes a slot between our check and our
 * claim makes the claim fail and the check run again: no slot is claimed
 * past the undrained bytes. The drainer runs only after every nested
 * context has returned, so a claimed slot is filled before it is read. */
static void enqueue(unsigned char c)
{
	unsigned head = pend_head;

	for (;;) {
		if (head - pend_tail >= PEND_SIZE) {
			count_drop();
			return;
		}
		reserve_window();
		if (__atomic_compare_exchange_n(&pend_head, &head, head + 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
		/* head now holds the value the deeper nesting left. */
	}
	pend[head % PEND_SIZE] = c;
}

/* Outermost: drain, then give up the screen; take it again if a nested
 * call queued between the drain and the release. */
static void drain_and_release(void)
{
	for (;;) {
		drain();
		compiler_barrier();
		depth = 0;
		compiler_barrier();
		/* Queued between the drain and depth = 0: nobody else will
		 * draw it; take the screen again. Queued after depth = 0: the
		 * nested call was the outermost and drew it itself. */
		if (pend_tail == pend_head)
			break;
		depth = 1;
		compiler_barrier();
	}
}

void screen_putc(char c)
{
	if (!attached) {
		if (detached)
			return;
		if (early_len < EARLY_SIZE)
			early[early_len++] = c;
		else
			count_drop();
		return;
	}
	/* One CPU: whatever interrupts us returns before we go on, so
	 * depth is always back to its value by then and a plain counter is
	 * enough (an interrupt between our load and store of depth sees 0
	 * and simply draws as the outermost, before we start). */
	if (depth++ != 0 && !screen_test_no_queue) {
		enqueue((unsigned char)c);
		compiler_barrier();
		depth--;
		return;
	}
	compiler_barrier();
	draw_char((unsigned char)c);
	drain_and_release();
}

/*
 * The run is ending, possibly from inside a nested context whose
 * interrupted print never resumes. Take the screen first (depth++), so an
 * NMI printing during this drain queues instead of drawing as the
 * outermost, which would draw the byte being drained a second time. When
 * no print was in progress (depth was 0) this is an ordinary outermost
 * drain and gives the screen back, so the exit path's last lines still
 * draw; otherwise depth stays raised for good: the print it counts will
 * never finish, and a later screen_flush_final() drains again.
 */
void screen_flush_final(void)
{
	unsigned outer;

	if (!attached)
		return;
	outer = depth++;
	compiler_barrier();
	if (outer == 0)
		drain_and_release();
	else
		drain();
}

void screen_attach(const struct screen_backend *be, unsigned cols, unsigned rows)
{
	if (cols > SCREEN_COLS_MAX)
		cols = SCREEN_COLS_MAX;
	if (rows > SCREEN_ROWS_MAX)
		rows = SCREEN_ROWS_MAX;
	if (cols == 0 || rows == 0) {
		screen_detach();
		return;
	}
	backend = *be;
	n_cols = cols;
	n_rows = rows;
	top = cur_row = cur_col = 0;
	in_escape = false;
	for (unsigned r = 0; r < SCREEN_ROWS_MAX; r++)
		for (unsigned c = 0; c < SCREEN_COLS_MAX; c++)
			cells[r][c] = shown[r][c] = ' ';
	pend_head = pend_tail = 0;
	depth = 0;
	attached = true;
	detached = false;
	for (unsigned i = 0; i < early_len; i++)
		screen_putc(early[i]);
	early_len = 0;
}

void screen_detach(void)
{
	attached = false;
	detached = true;
	early_len = 0;
}

uint64_t screen_dropped(void)
{
	return dropped;
}
