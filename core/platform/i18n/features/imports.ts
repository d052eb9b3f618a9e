/** Strings of speaker roles, imports and uploads (B1, B2), merged into en.ts / fr.ts (same keys). */
export const importsEn = {
  "calls.roles.title": "Speakers",
  "calls.roles.given": "Roles as the transcript names them.",
  "calls.roles.channel": "By channel: the agent speaks on channel {channel}.",
  "calls.roles.greeting": "By the greeting: {agent} said “{phrase}” at {time}, so {agent} is the agent.",
  "calls.roles.first_speaker_inbound":
    "No greeting heard: on an inbound call the first voice ({agent}) is taken for the agent.",
  "calls.roles.first_speaker_outbound":
    "No greeting heard: on an outbound call the customer answers first, so the second voice ({agent}) is taken for the agent.",
  "calls.roles.manual": "Corrected by {who} on {date}.",
  "calls.roles.unresolved":
    "The transcript names no speakers, so agent and customer cannot be told apart. Import a transcript with speaker labels.",
  "calls.roles.check": "If this is wrong, swap them or assign each voice: the call is analysed again.",
  "calls.roles.voice": "Voice",
  "calls.roles.role": "Role",
  "calls.roles.segments": "Turns",
  "calls.roles.first": "First heard",
  "calls.roles.channel_name": "Channel {channel}",
  "calls.roles.swap": "Swap agent and customer",
  "calls.roles.assign": "Assign each voice",
  "calls.roles.save": "Save roles and analyse again",
  "calls.roles.done": "Roles corrected; the call is being analysed again (reviews are kept).",
  "calls.roles.someone": "a member",
  "calls.upload.error.no_audio":
    "This file holds no audio: it is only an audio header, or less than {seconds} s of sound. Nothing was kept.",
} as const;

export const importsFr: Record<keyof typeof importsEn, string> = {
  "calls.roles.title": "Interlocuteurs",
  "calls.roles.given": "Rôles tels que la transcription les nomme.",
  "calls.roles.channel": "Par canal : le conseiller parle sur le canal {channel}.",
  "calls.roles.greeting":
    "Par la formule d’accueil : {agent} a dit « {phrase} » à {time}, {agent} est donc le conseiller.",
  "calls.roles.first_speaker_inbound":
    "Aucune formule d’accueil entendue : sur un appel entrant, la première voix ({agent}) est prise pour le conseiller.",
  "calls.roles.first_speaker_outbound":
    "Aucune formule d’accueil entendue : sur un appel sortant, le client décroche le premier, la deuxième voix ({agent}) est donc prise pour le conseiller.",
  "calls.roles.manual": "Corrigé par {who} le {date}.",
  "calls.roles.unresolved":
    "La transcription ne nomme aucun interlocuteur : impossible de distinguer conseiller et client. Importez une transcription avec les noms des interlocuteurs.",
  "calls.roles.check":
    "Si c’est faux, inversez-les ou attribuez chaque voix : l’appel est analysé à nouveau.",
  "calls.roles.voice": "Voix",
  "calls.roles.role": "Rôle",
  "calls.roles.segments": "Tours de parole",
  "calls.roles.first": "Entendue à",
  "calls.roles.channel_name": "Canal {channel}",
  "calls.roles.swap": "Inverser conseiller et client",
  "calls.roles.assign": "Attribuer chaque voix",
  "calls.roles.save": "Enregistrer les rôles et analyser à nouveau",
  "calls.roles.done": "Rôles corrigés ; l’appel est analysé à nouveau (les revues sont conservées).",
  "calls.roles.someone": "un membre",
  "calls.upload.error.no_audio":
    "Ce fichier ne contient pas d’audio : seulement un en-tête audio, ou moins de {seconds} s de son. Rien n’a été conservé.",
};
