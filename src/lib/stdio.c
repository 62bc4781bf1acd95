/*
 * stdio.c - picolibc's tinystdio writes to the console. stdin reads
 * nothing: irqlab takes its input from the kernel command line only.
 */
#include <stdio.h>
#include "drivers/console.h"

static int console_stdio_putc(char c, FILE *f)
{
	(void)f;
	console_putc(c);
	return (unsigned char)c;
}

static int console_stdio_getc(FILE *f)
{
	(void)f;
	return EOF;
}

static FILE console_file =
	FDEV_SETUP_STREAM(console_stdio_putc, console_stdio_getc, NULL, _FDEV_SETUP_RW);

FILE *const stdin = &console_file;
FILE *const stdout = &console_file;
FILE *const stderr = &console_file;
