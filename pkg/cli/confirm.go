package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
)

// ttyConfirmer asks on the terminal; only "yes" confirms.
type ttyConfirmer struct {
	io IOStreams
}

func (c *ttyConfirmer) Confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(c.io.ErrOut, "\n%s\nType yes to proceed: ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(c.io.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case line := <-answer:
		return strings.TrimSpace(strings.ToLower(line)) == "yes", nil
	}
}
