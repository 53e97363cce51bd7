CREATE TABLE "project_ssh_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"hostname" text DEFAULT '' NOT NULL,
	"fingerprint_md5" text NOT NULL,
	"fingerprint_sha256" text NOT NULL,
	"public_key" text NOT NULL,
	"private_key_encrypted" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_ssh_keys" ADD CONSTRAINT "project_ssh_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "project_ssh_keys_fingerprint" ON "project_ssh_keys" USING btree ("project_id","fingerprint_sha256");