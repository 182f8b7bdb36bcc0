-- Every webhook attempt is kept as it happened: the database refuses to change or remove one, as
-- it does for the audit log (0001: row triggers for UPDATE and DELETE, a statement trigger for
-- TRUNCATE, and the privileges revoked from PUBLIC).
CREATE FUNCTION "webhook_attempts_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'webhook_attempts is append-only (% refused)', TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "webhook_attempts_no_update" BEFORE UPDATE ON "webhook_attempts" FOR EACH ROW EXECUTE FUNCTION "webhook_attempts_append_only"();
--> statement-breakpoint
CREATE TRIGGER "webhook_attempts_no_delete" BEFORE DELETE ON "webhook_attempts" FOR EACH ROW EXECUTE FUNCTION "webhook_attempts_append_only"();
--> statement-breakpoint
CREATE TRIGGER "webhook_attempts_no_truncate" BEFORE TRUNCATE ON "webhook_attempts" FOR EACH STATEMENT EXECUTE FUNCTION "webhook_attempts_append_only"();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON "webhook_attempts" FROM PUBLIC;
