package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/cloud"
)

// Cloud connections (pkg/cloud): listed, added and removed by their owner,
// and synced now by the worker (POST …/sync queues it). Credentials go in
// once, sealed; no answer ever holds them.

func (s *Server) listCloudConnections(w http.ResponseWriter, r *http.Request) error {
	cs, err := cloud.List(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"connections": cs})
	return nil
}

func (s *Server) createCloudConnection(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Provider   string `json:"provider"`
		Name       string `json:"name"`
		Endpoint   string `json:"endpoint"` // s3: host:port
		URL        string `json:"url"`      // webdav
		Bucket     string `json:"bucket"`
		Path       string `json:"path"`
		Region     string `json:"region"`
		Secure     *bool  `json:"secure"`
		Login      string `json:"login"`
		Secret     string `json:"secret"`
		MapFolders bool   `json:"map_folders"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if s.d.Keyring == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "cloud connections need SECRET_KEY on the server, to seal their credentials")
	}
	n := cloud.New{Provider: req.Provider, Name: req.Name, Endpoint: req.Endpoint, Bucket: req.Bucket, Path: req.Path,
		Region: req.Region, Secure: true, Login: req.Login, Secret: req.Secret, MapFolders: req.MapFolders}
	if req.Provider == cloud.ProviderWebDAV {
		n.Endpoint = req.URL
	}
	if req.Secure != nil {
		n.Secure = *req.Secure
	}
	u := currentUser(r)
	c, err := cloud.Add(r.Context(), s.d.DB, s.d.Keyring, u.ID, n)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.CloudChange, ResourceID: c.ID, Metadata: map[string]any{"action": "create", "name": c.Name, "provider": c.Provider}})
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) deleteCloudConnection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	c, err := cloud.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	if err := cloud.Delete(r.Context(), s.d.DB, u.ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.CloudChange, ResourceID: id, Metadata: map[string]any{"action": "delete", "name": c.Name, "provider": c.Provider}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// syncCloudConnection queues a sync of the connection for the worker (a
// sync may take long: the answer does not wait for it) and answers 202
// with the connection as it is; its status and last sync change when the
// worker has run it.
func (s *Server) syncCloudConnection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := cloud.Get(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	if s.d.CloudJobs == nil {
		return errorf(http.StatusServiceUnavailable, "unavailable", "syncs cannot be queued: the job queue is not configured")
	}
	if err := s.d.CloudJobs.EnqueueCloudSync(r.Context(), c.ID); err != nil {
		s.d.Log.Warn("could not queue a cloud sync", "connection_id", c.ID, "error", err.Error())
		return errorf(http.StatusServiceUnavailable, "unavailable", "the job queue (Redis) cannot be reached: try again in a minute")
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true, "connection": c})
	return nil
}
