import { Badge, PasswordInput, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTRPC, useTRPCClient, type Outputs } from "../../../api";
import { EntityScreen } from "../../../components/EntityScreen";
import { useSession } from "../../../hooks/session";
import { passwordError, PASSWORD_RULE } from "../../../password-rule";

type User = Outputs["user"]["list"][number];
type Values = { username: string; password: string; name: string; email: string };

/** Users: create and delete (a user changes their own password; there is no rename). */
export default function AdminUsers() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const session = useSession();
  const users = useQuery(trpc.user.list.queryOptions());
  return (
    <EntityScreen<User, Values>
      title="Users"
      noun="user"
      rows={users.data}
      name={(u) => u.username}
      emptyText="No users."
      invalidate={trpc.user.pathKey()}
      columns={[
        { label: "User name", cell: (u) => <>{u.username} {u.id === session.user.id && <Badge size="xs">you</Badge>}</> },
        { label: "Name", cell: (u) => u.name },
        { label: "E-mail", cell: (u) => u.email },
      ]}
      editor={{
        empty: { username: "", password: "", name: "", email: "" },
        validate: { password: (v, values) => passwordError(v, values.username) },
        fields: (form) => (
          <>
            <TextInput label="User name" required autoComplete="off" data-autofocus {...form.getInputProps("username")} />
            <PasswordInput label="Password" required autoComplete="new-password" description={PASSWORD_RULE} {...form.getInputProps("password")} />
            <TextInput label="Display name" {...form.getInputProps("name")} />
            <TextInput label="E-mail" type="email" {...form.getInputProps("email")} />
          </>
        ),
        save: (v) => client.user.create.mutate({ username: v.username.trim(), password: v.password, name: v.name.trim() || null, email: v.email.trim() || null }),
        saved: (v) => ({ message: `User ${v.username.trim()} can sign in now.`, title: "User created" }),
      }}
      remove={{
        allowed: (u) => u.id !== session.user.id,
        consequence: "Their sessions, API keys and access rows are removed too.",
        run: (u) => client.user.delete.mutate({ id: u.id }),
        done: "User deleted.",
      }}
    />
  );
}
