package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
)

// loadConn is one keep-alive connection of the load generator of HTTP
// and Tiles: pre-built requests written as they
// are and answers read by hand (readAnswerBody), one in flight, like wrk,
// so the generator costs little next to the server it shares the
// machine with, and every server measured meets the same client.
type loadConn struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialLoad(ctx context.Context, addr string) (*loadConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return &loadConn{conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}, nil
}

// do sends a request and reads its answer: the status, the body's
// length and, with keep, the body appended to dst.
func (c *loadConn) do(req, dst []byte, keep bool) (status, size int, body []byte, err error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, 0, dst, fmt.Errorf("send: %w", err)
	}
	status, size, body, err = readAnswerBody(c.br, dst, keep)
	if err != nil {
		return 0, 0, body, fmt.Errorf("read answer: %w", err)
	}
	return status, size, body, nil
}

func (c *loadConn) Close() error { return c.conn.Close() }

// readAnswerBody reads one HTTP/1.1 answer (status line, headers, a
// body with Content-Length or chunked) and returns its status and the
// body's length and, when keep is set, appends the body to dst (which it
// may grow) and returns it. Without keep it allocates nothing, so the
// load generator stays light next to the server.
func readAnswerBody(br *bufio.Reader, dst []byte, keep bool) (status, size int, _ []byte, _ error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, size, dst, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, size, dst, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, size, dst, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, size, dst, err
		}
		h := bytes.TrimRight(line, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, size, dst, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	body := func(n int) error {
		size += n
		if !keep {
			_, err := br.Discard(n)
			return err
		}
		at := len(dst)
		dst = slices.Grow(dst, n)[:at+n]
		_, err := io.ReadFull(br, dst[at:])
		return err
	}
	switch {
	case status == http.StatusNoContent || status == http.StatusNotModified:
		return status, 0, dst, nil // no body, whatever the headers say
	case chunked:
		for {
			line, err = br.ReadSlice('\n')
			if err != nil {
				return 0, size, dst, err
			}
			hex, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
			n, err := strconv.ParseInt(string(hex), 16, 64)
			if err != nil || n < 0 || n > 1<<30 {
				return 0, size, dst, fmt.Errorf("bad chunk size %q", line)
			}
			if err := body(int(n)); err != nil {
				return 0, size, dst, err
			}
			if _, err := br.Discard(2); err != nil { // CRLF after the data
				return 0, size, dst, err
			}
			if n == 0 {
				return status, size, dst, nil // no trailers from gridd
			}
		}
	case length >= 0:
		err := body(length)
		return status, size, dst, err
	}
	return 0, size, dst, errors.New("answer has neither Content-Length nor chunked body")
}
