package engine

import (
	"context"
	"time"
)

// fakeProgress records reports; the actions these tests apply use nothing
// else.
type fakeProgress struct{ reports []string }

func (*fakeProgress) Get(string) (string, bool)                 { return "", false }
func (*fakeProgress) Set(context.Context, string, string) error { return nil }
func (*fakeProgress) Now() time.Time                            { return time.Now() }
func (*fakeProgress) WaitUntil(context.Context, string, time.Duration, string) error {
	return nil
}
func (*fakeProgress) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
func (p *fakeProgress) Report(msg string)                              { p.reports = append(p.reports, msg) }
