import { Button, Group, Loader, Modal, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useForm, type FormValidateInput, type UseFormReturnType } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { showFieldErrors } from "../forms/errors";
import { toast } from "../ui";

/**
 * The one list/edit pattern of the administration screens (users, groups, apps, search engines, certificates,
 * API keys): a titled table of rows, an "Add" form (in a dialog, or inline above the list), an Edit dialog per
 * row and a Delete that asks first. Each entity only says what its columns, fields and procedures are.
 */

export type Column<T> = { label: string; cell: (row: T) => ReactNode };

export interface Editor<T, V> {
  empty: V;
  validate?: FormValidateInput<V>;
  fields: (form: UseFormReturnType<V>, row: T | null) => ReactNode;
  /** Create (row null) or update the row; returns the procedure's answer. */
  save: (values: V, row: T | null) => Promise<unknown>;
  /** The toast after a save: its text, or text and title. */
  saved: (values: V, row: T | null) => string | { message: string; title: string };
  /** The values of an existing row; without it rows are not editable. */
  of?: (row: T) => V;
  /** May this row be edited (default: yes when `of` is given)? */
  editable?: (row: T) => boolean;
  /** Create inline above the list instead of in an "Add …" dialog. */
  inline?: boolean;
  createLabel?: string;
  /** After a create, with its answer (e.g. an API key's token shown once). */
  created?: (result: unknown) => void;
}

export interface Remover<T> {
  label?: string;
  consequence?: string;
  allowed?: (row: T) => boolean;
  run: (row: T) => Promise<unknown>;
  done: string;
}

export function Page({ title, action, children }: { title: string; action?: ReactNode; children: ReactNode }) {
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{title}</Title>
        {action}
      </Group>
      {children}
    </Stack>
  );
}

/** A delete button that asks first, naming what it deletes. */
export function ConfirmDelete({ what, consequence, onConfirm, busy, label = "Delete" }: { what: string; consequence?: string; onConfirm: () => void; busy?: boolean; label?: string }) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button size="xs" color="red" variant="subtle" onClick={open} aria-label={`${label} ${what}`}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={`${label} ${what}?`} centered>
        <Stack>
          {consequence && <Text size="sm">{consequence}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={() => {
                onConfirm();
                close();
              }}
            >
              {label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function EntityForm<T, V extends Record<string, unknown>>({ noun, editor, row, invalidate, done }: { noun: string; editor: Editor<T, V>; row: T | null; invalidate: readonly unknown[]; done: () => void }) {
  const qc = useQueryClient();
  const form = useForm<V>({ initialValues: row && editor.of ? editor.of(row) : editor.empty, validate: editor.validate });
  const save = useMutation({
    mutationFn: (values: V) => editor.save(values, row),
    onSuccess: async (result, values) => {
      const said = editor.saved(values, row);
      if (typeof said === "string") toast.ok(said);
      else toast.ok(said.message, said.title);
      if (!row) editor.created?.(result);
      form.reset();
      done();
      await qc.invalidateQueries({ queryKey: invalidate });
    },
    // The server's field issues go next to their inputs (src/api/trpc.ts sends them as data.issues).
    onError: (e) => showFieldErrors(form, e),
  });
  const submit = row ? "Save" : (editor.createLabel ?? `Create ${noun}`);
  return (
    <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
      {editor.inline && !row ? (
        <Group align="flex-start" gap="xs">
          {editor.fields(form, row)}
          <Button type="submit" loading={save.isPending} mt={25}>
            {submit}
          </Button>
        </Group>
      ) : (
        <Stack>
          {editor.fields(form, row)}
          <Button type="submit" loading={save.isPending}>
            {submit}
          </Button>
        </Stack>
      )}
    </form>
  );
}

export function EntityScreen<T extends { id: string }, V extends Record<string, unknown>>(props: {
  title: string;
  /** "user" → "Add user", "Create user", "Edit user alice", "Delete user alice". */
  noun: string;
  intro?: ReactNode;
  /** The table's accessible name (default: the title). */
  label?: string;
  rows: T[] | undefined;
  columns: Column<T>[];
  name: (row: T) => string;
  emptyText: string;
  /** The query key prefix to refresh after a change. */
  invalidate: readonly unknown[];
  editor?: Editor<T, V>;
  canCreate?: boolean;
  remove?: Remover<T>;
  /** Shown above the list (e.g. a token shown once). */
  notice?: ReactNode;
  /** Shown beside the list on wide screens (e.g. the selected group). */
  aside?: ReactNode;
}) {
  const { title, noun, intro, rows, columns, name, emptyText, invalidate, editor, canCreate = true, remove, notice, aside } = props;
  const qc = useQueryClient();
  const [editing, setEditing] = useState<{ row: T | null } | null>(null);
  const del = useMutation({
    mutationFn: (row: T) => remove!.run(row),
    onSuccess: async () => {
      toast.ok(remove!.done);
      await qc.invalidateQueries({ queryKey: invalidate });
    },
    onError: (e) => toast.fail(e.message),
  });
  const editable = (row: T) => Boolean(editor?.of) && (editor?.editable?.(row) ?? true);
  const hasActions = Boolean(remove || editor?.of);
  const add = editor && canCreate && !editor.inline && <Button onClick={() => setEditing({ row: null })}>Add {noun}</Button>;
  const table = (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={480}>
        <Table aria-label={props.label ?? title}>
          <Table.Thead>
            <Table.Tr>
              {columns.map((c) => (
                <Table.Th key={c.label}>{c.label}</Table.Th>
              ))}
              {hasActions && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(rows ?? []).map((row) => (
              <Table.Tr key={row.id}>
                {columns.map((c) => (
                  <Table.Td key={c.label}>{c.cell(row)}</Table.Td>
                ))}
                {hasActions && (
                  <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                    {editable(row) && (
                      <Button size="xs" variant="subtle" onClick={() => setEditing({ row })} aria-label={`Edit ${noun} ${name(row)}`}>
                        Edit
                      </Button>
                    )}
                    {remove && (remove.allowed?.(row) ?? true) && (
                      <ConfirmDelete what={`${noun} ${name(row)}`} label={remove.label} consequence={remove.consequence} busy={del.isPending} onConfirm={() => del.mutate(row)} />
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
            {rows?.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={columns.length + (hasActions ? 1 : 0)}>
                  <Text c="dimmed" size="sm">
                    {emptyText}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
  return (
    <Page title={title} action={add}>
      {intro && (
        <Text size="sm" c="dimmed">
          {intro}
        </Text>
      )}
      {editor?.inline && canCreate && <EntityForm noun={noun} editor={editor} row={null} invalidate={invalidate} done={() => undefined} />}
      {notice}
      {!rows ? (
        <Loader aria-label={`Loading ${title.toLowerCase()}`} />
      ) : aside ? (
        <SimpleGrid cols={{ base: 1, md: 2 }} style={{ alignItems: "start" }}>
          {table}
          {aside}
        </SimpleGrid>
      ) : (
        table
      )}
      {editor && (
        <Modal
          opened={editing !== null}
          onClose={() => setEditing(null)}
          title={editing?.row ? `Edit ${noun} ${name(editing.row)}` : `Add ${noun}`}
          centered
        >
          {editing && <EntityForm key={editing.row?.id ?? "new"} noun={noun} editor={editor} row={editing.row} invalidate={invalidate} done={() => setEditing(null)} />}
        </Modal>
      )}
    </Page>
  );
}
