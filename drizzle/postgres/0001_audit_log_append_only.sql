-- The audit log is append-only: the database itself refuses to change or remove a row, as the
-- SQLite triggers do. Row triggers refuse UPDATE and DELETE; TRUNCATE fires no row trigger, so a
-- statement trigger refuses it. Triggers bind the table's owner and superusers too (only
-- ALTER TABLE ... DISABLE TRIGGER, which needs ownership, gets past them).
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_delete" BEFORE DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
--> statement-breakpoint
-- Privileges as a second wall: run the gateway as a role granted only SELECT and INSERT on
-- audit_log (GRANT SELECT, INSERT ON audit_log TO gateway), not as the owner: the owner holds
-- every privilege and superusers skip the checks (neither gets past the triggers above). PUBLIC holds none of these by
-- default; the REVOKE states the intent and undoes any ALTER DEFAULT PRIVILEGES granting them to PUBLIC.
REVOKE UPDATE, DELETE, TRUNCATE ON "audit_log" FROM PUBLIC;
