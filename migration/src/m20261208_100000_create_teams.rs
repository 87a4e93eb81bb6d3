//! Teams that own shared servers: members with a role each (owner, member, viewer), and every
//! resource belonging to exactly one team.
//!
//! Resources made before teams existed move to a "Default team": everyone who booked one
//! becomes a member of it, and admins its owners. Resource names are unique per team.

sql_migration!(
    r#"
CREATE TABLE teams (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('owner', 'member', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
-- "Which teams am I in?" is asked by every resource and booking read.
CREATE INDEX team_members_user_idx ON team_members (user_id, team_id);

ALTER TABLE resources ADD COLUMN team_id uuid REFERENCES teams (id);

INSERT INTO teams (id, name)
SELECT gen_random_uuid(), 'Default team' WHERE EXISTS (SELECT 1 FROM resources);

UPDATE resources SET team_id = (SELECT id FROM teams WHERE name = 'Default team' LIMIT 1);

INSERT INTO team_members (team_id, user_id, role)
SELECT t.id, u.id, CASE WHEN u.role = 'ADMIN' THEN 'owner' ELSE 'member' END
FROM teams t
CROSS JOIN users u
WHERE t.name = 'Default team'
  AND (u.role = 'ADMIN' OR EXISTS (SELECT 1 FROM resource_bookings b WHERE b.user_id = u.id));

ALTER TABLE resources ALTER COLUMN team_id SET NOT NULL;
CREATE INDEX resources_team_idx ON resources (team_id);
DROP INDEX resources_name_key;
CREATE UNIQUE INDEX resources_name_key ON resources (team_id, lower(name)) WHERE deleted_at IS NULL;
"#,
    r#"
DROP INDEX resources_name_key;
CREATE UNIQUE INDEX resources_name_key ON resources (lower(name)) WHERE deleted_at IS NULL;
DROP INDEX resources_team_idx;
ALTER TABLE resources DROP COLUMN team_id;
DROP TABLE team_members;
DROP TABLE teams;
"#
);
