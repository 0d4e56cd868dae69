"""pgbench's side of the workflow benchmark (benchmarks.workflow): the statements the services issue for one
operation, as pgbench scripts, and pgbench's rate running them with as many clients as the services have workers."""

import subprocess
import tempfile
from pathlib import Path

# What `application_decide` issues for a community acceptance, as plain SQL: the case locked with what the service
# reads with it (programme and its rules, rules, applicant, org unit, the last link of the audit chain), the case
# saved, the opinion and the audit entry inserted (here after the last link, read again).
_LOCK = """SELECT a.*, p.*, cr.*, r.*, ap.*, u.*,
  (SELECT e.seq FROM cases_auditentry e WHERE e.application_id = a.id ORDER BY e.seq DESC LIMIT 1) AS audit_seq,
  (SELECT e.hash FROM cases_auditentry e WHERE e.application_id = a.id ORDER BY e.seq DESC LIMIT 1) AS audit_hash
  {columns} FROM cases_application a JOIN cases_programme p ON p.id = a.programme_id
  LEFT JOIN cases_programmerules cr ON cr.id = p.current_rules_id LEFT JOIN cases_programmerules r ON r.id = a.rules_id
  JOIN cases_applicant ap ON ap.id = a.applicant_id JOIN cases_orgunit u ON u.id = a.org_unit_id
  {join} WHERE a.id = :id FOR NO KEY UPDATE OF a \\gset"""
_DECISION = """UPDATE cases_application SET status = 'accepted', deadline = current_date + 5, working_days_left = NULL,
  updated_at = now() WHERE id = :id;
INSERT INTO cases_reviewopinion (application_id, level, decision, opinion, amount, reviewer_id, org_unit_id, created_at)
  VALUES (:id, 'community', 'pass', '材料齐全，符合条件。', NULL, :reviewer, :unit, now());
INSERT INTO cases_auditentry (application_id, seq, actor_id, org_unit_id, action, from_status, to_status, comment,
  created_at, previous_hash, hash)
  SELECT :id, e.seq + 1, :reviewer, :unit, 'community:pass', 'submitted', 'accepted', '材料齐全，符合条件。', now(), e.hash,
  md5(random()::text) || md5(random()::text) FROM cases_auditentry e WHERE e.application_id = :id ORDER BY e.seq DESC
  LIMIT 1;
"""
# What `task_decide` issues besides: the case found through the task, the process locked with the task read under it,
# the task written once, the routing's row and the next task (each with its link), the document and the message owed.
_STEP = """SELECT t.*, pr.* FROM viewflow_task t JOIN viewflow_process pr ON pr.id = t.process_id WHERE t.id = :task_id
  FOR UPDATE OF pr;
UPDATE viewflow_task SET status = 'DONE', owner_id = :reviewer, started = now(), finished = now() WHERE id = :task_id;
INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, finished, token, owner_permission, process_id, data)
  VALUES ('{flow}.route', 'SWITCH', 'DONE', now(), now(), 'start', '', :task_process, '{{}}') RETURNING id AS route_id \\gset
INSERT INTO viewflow_task_previous (from_task_id, to_task_id) VALUES (:task_id, :route_id) ON CONFLICT DO NOTHING;
INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, token, owner_permission, process_id, data)
  VALUES ('{flow}.town_review', 'HUMAN', 'NEW', now(), 'start', 'cases.review_town', :task_process, '{{}}')
  RETURNING id AS next_id \\gset
INSERT INTO viewflow_task_previous (from_task_id, to_task_id) VALUES (:route_id, :next_id) ON CONFLICT DO NOTHING;
INSERT INTO cases_outboxitem (key, kind, application_id, payload, created_at, attempts, last_error)
  VALUES ('acceptance_notice:bench:' || md5(random()::text), 'document', :id,
  '{{"kind": "acceptance_notice", "subject": {{}}}}', now(), 0, '') ON CONFLICT (key) DO NOTHING RETURNING id;
INSERT INTO cases_outboxitem (key, kind, application_id, payload, created_at, attempts, last_error)
  VALUES ('notification:bench:' || md5(random()::text), 'notification', :id,
  '{{"message": "您的案件当前状态：已受理。", "subject": "您的补贴申请"}}', now(), 0, '') ON CONFLICT (key) DO NOTHING
  RETURNING id;
"""


def _one_line(statements: str) -> str:
    """pgbench reads one SQL command per line: join each statement's lines (a statement ends with ; or \\gset)."""
    lines, current = [], []
    for line in statements.splitlines():
        current.append(line.strip())
        if line.rstrip().endswith((";", "\\gset")):
            lines.append(" ".join(current))
            current = []
    return "\n".join(lines)


def transition_sql() -> str:
    lock = _LOCK.format(columns="", join="")
    return "\\set id random(:lo, :hi)\nBEGIN;\n" + _one_line(lock + "\n" + _DECISION) + "\nEND;\n"


def step_sql(flow: str) -> str:
    lock = _LOCK.format(
        columns=", t.id AS task_id, t.process_id AS task_process",
        join="JOIN viewflow_task t ON t.process_id = a.process_id AND t.flow_task = '" + flow + ".accept'",
    )
    return "\\set id random(:lo, :hi)\nBEGIN;\n" + _one_line(lock + "\n" + _DECISION + _STEP.format(flow=flow)) + "\nEND;\n"


def pgbench_rate(script: str, variables: dict, *, clients: int, seconds: int) -> float:
    from django.db import connection

    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    try:
        settings = connection.settings_dict
        command = ["pgbench", "-n", "-c", str(clients), "-j", str(clients), "-T", str(seconds), "-f", file.name]
        command += [f"-D{name}={value}" for name, value in variables.items()]
        command += ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
        command += ["-U", settings["USER"] or "postgres", settings["NAME"]]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - our own arguments
    finally:
        Path(file.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("tps"))
    return float(line.split("=")[1].split()[0])
