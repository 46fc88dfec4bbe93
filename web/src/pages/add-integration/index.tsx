import { Anchor, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { IntegrationForm } from "../../forms/integration/IntegrationForm";
import { useKinds } from "../../hooks/kinds";
import { KindIcon } from "../../ui";

/** Step 2 of "Add integration" (/integrations/new/:kind); step 1 is the KindPicker. */
export default function AddIntegration() {
  const { kind: kindId } = useParams();
  const { byKind, isPending } = useKinds();
  const kind = byKind.get(kindId ?? "");
  if (isPending) return <Loader aria-label="Loading" />;
  if (!kind) return <Text>Unknown kind “{kindId}”. <Anchor component={Link} to="/integrations/new">Pick another</Anchor></Text>;
  return (
    <Stack maw={640}>
      <Group gap="sm">
        <KindIcon kind={kind} size="lg" />
        <div>
          <Title order={2}>Add {kind.name}</Title>
          <Text size="sm" c="dimmed">
            <Anchor component={Link} to="/integrations/new">Choose another kind</Anchor>
            {kind.docsUrl && (
              <>
                {" · "}
                <Anchor href={kind.docsUrl} target="_blank" rel="noreferrer" size="sm">
                  {kind.name} documentation
                </Anchor>
              </>
            )}
          </Text>
        </div>
      </Group>
      <IntegrationForm kind={kind} key={kind.kind} />
    </Stack>
  );
}
