// The CLI's commands against a running `floe server` (--server URL or
// $FLOE_SERVER) rather than the local home: the same arguments and the same
// output, through the REST API.
#pragma once

#include <string>
#include <vector>

#include "cli/server_client.h"
#include "state/model.h"

namespace floe::cli {

// floe run FILE --server: saves the flow on the server (created or updated),
// runs it with the inputs (FILE inputs uploaded), prints its log lines as
// they come unless `json`, then the execution as `floe run` does.
int RemoteRun(const ServerClient& client, const std::string& file, const std::vector<std::string>& inputs, bool json,
              bool detach);
int RemoteExecutionsList(const ServerClient& client, const state::ExecutionFilter& filter, bool json);
int RemoteExecutionsShow(const ServerClient& client, const std::string& id, bool json);
// kill, pause, resume (with onResume inputs), restart, replay (from `task`).
int RemoteControl(const ServerClient& client, const std::string& action, const std::string& id,
                  const std::vector<std::string>& inputs, const std::string& task, bool latest);
int RemoteLogs(const ServerClient& client, const std::string& id, bool follow);
int RemoteFlows(const ServerClient& client);
// The server's triggers, as state::Trigger (for `floe triggers list`).
Result<std::vector<state::Trigger>> RemoteTriggers(const ServerClient& client, const state::TriggerFilter& filter);
// enable, disable, unlock.
Status RemoteTriggerControl(const ServerClient& client, const state::TriggerKey& key, const std::string& action);

}  // namespace floe::cli
