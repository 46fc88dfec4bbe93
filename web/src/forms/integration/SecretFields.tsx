import { PasswordInput, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import type { KindInfo, SecretKind } from "../../api";
import { optionLabel, PUBLIC_SECRETS, SECRET_LABELS } from "../../ui";
import type { Form } from "./values";

/** The secret fields of the chosen option, with a switch when the kind has several options. */
export function SecretFields({ kind, form, stored }: { kind: KindInfo; form: Form; stored?: Set<SecretKind> }) {
  const options = kind.secretOptions;
  const option = options[Number(form.values.option)] ?? [];
  const removed = stored ? [...stored].filter((k) => !option.includes(k)) : [];
  return (
    <Stack gap="sm">
      {options.length > 1 && (
        <div>
          <Text size="sm" fw={500} mb={4} id="auth-method-label">
            Authentication
          </Text>
          <SegmentedControl
            aria-labelledby="auth-method-label"
            data={options.map((o, i) => ({ value: String(i), label: optionLabel(o) }))}
            {...form.getInputProps("option")}
            onChange={(v) => {
              form.setFieldValue("option", v);
              form.clearErrors();
            }}
          />
        </div>
      )}
      {option.length === 0 && <Text size="sm" c="dimmed">This option needs no credentials.</Text>}
      {option.map((k) => {
        const isStored = stored?.has(k) && !PUBLIC_SECRETS.has(k);
        const props = {
          key: k,
          label: SECRET_LABELS[k],
          required: !isStored,
          placeholder: isStored ? "unchanged" : undefined,
          description: isStored ? "Stored encrypted. Leave empty to keep it; type to replace it." : undefined,
          autoComplete: "off",
          ...form.getInputProps(`secrets.${k}`),
        };
        return PUBLIC_SECRETS.has(k) ? <TextInput {...props} key={k} /> : <PasswordInput {...props} key={k} autoComplete="new-password" />;
      })}
      {removed.length > 0 && (
        <Text size="sm" c="orange">
          Saving removes the stored {removed.map((k) => SECRET_LABELS[k]).join(", ")}.
        </Text>
      )}
    </Stack>
  );
}

