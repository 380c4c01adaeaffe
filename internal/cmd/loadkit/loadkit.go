// Package loadkit is what the load-test programs share: running the service's binary on a
// free loopback port, waiting until it is ready, stopping it, and making a curator's token.
package loadkit

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Server is one process of the service, listening on loopback.
type Server struct {
	Base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // how it exited, once done is closed
}

// Start runs bin with -addr on a free loopback port and then args, its output to log. It
// does not wait for the server to be ready: see WaitReady.
func Start(bin string, args []string, log io.Writer) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"-addr", addr}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Base: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// WaitReady asks /readyz through client every poll until it answers 200. It fails when the
// process exits first or timeout passes.
func (s *Server) WaitReady(client *http.Client, poll, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("the server exited: %v", s.err)
		default:
		}
		if resp, err := client.Get(s.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(poll)
	}
	return fmt.Errorf("the server did not get ready in %s", timeout)
}

// Stop shuts the server down with SIGTERM, and kills it if it has not exited 30 s later.
// It returns once the process has exited; stopping a server that has exited does nothing.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.Kill()
	}
}

// Kill ends the process with SIGKILL (no shutdown, no flush) and waits until it has exited.
func (s *Server) Kill() error {
	err := s.cmd.Process.Kill()
	<-s.done
	return err
}

// CuratorToken makes a curator's token with the binary's own `token create` on the store
// db, and returns it.
func CuratorToken(bin, db, name string) (string, error) {
	out, err := exec.Command(bin, "token", "create", "-db", db, "-name", name, "-role", "curator").Output()
	if err != nil {
		return "", fmt.Errorf("token create: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}
