/**
 * What large mail providers mean by their own replies: the error codes and wordings they
 * document (Cox's AUP#CXBL, Orange's OFR_505, Facebook's POL-P1 …), as collected by Sisimai
 * (libsisimai.org; BSD-2-Clause, see LICENSE-sisimai), in our reasons. A provider is
 * recognised by the recipient's domain or by the host name of the server that answered.
 */
import type { BounceReason } from './reasons.js';

export interface Provider {
  name: string;
  /** Host names (a leading dot: any host under that domain) of the provider's mail servers. */
  hosts: string[];
  /** The provider's own error codes: the pattern finds the code, the table says what it means. */
  codes?: { pattern: RegExp; reasons: Record<string, BounceReason> };
  /**
   * Phrases of the provider's replies (lower-cased), by reason; a pair holds the status code
   * (subject.detail, the class left out; a range such as "7.500-699") that goes with the phrase.
   */
  says?: Partial<Record<BounceReason, (string | [string, string])[]>>;
}

/** Codes numbered in ranges, such as Spectrum's AUP#1300 … 1340. */
function numbered(ranges: [number, number, BounceReason][]): Record<string, BounceReason> {
  const table: Record<string, BounceReason> = {};
  for (const [from, to, reason] of ranges) {
    for (let code = from; code <= to; code++) table[String(code)] = reason;
  }
  return table;
}

/** Cox's IPBL codes: the sending IP is on one or more DNS block lists. */
const BLOCKED_BY_LIST: Record<string, BounceReason> = Object.fromEntries(
  [
    '0001',
    '0010',
    '0100',
    '0011',
    '0101',
    '0110',
    '0111',
    '1000',
    '1001',
    '1010',
    '1011',
    '1100',
    '1101',
    '1110',
    '1111',
    '00001',
  ].map((n) => [`IPBL${n}`, 'blocked']),
);

/** Codes of the providers that document them. */
const CODES: Record<string, Provider['codes']> = {
  Cox: {
    pattern: /AUP#([A-Z0-9]+)/,
    reasons: {
      CXBL: 'blocked',
      CDRBL: 'blocked',
      CXDNS: 'blocked', // no reverse DNS
      CXSNDR: 'auth',
      CXSMTP: 'policy',
      CXCNCT: 'blocked', // too many connections
      CXMXRT: 'blocked', // too many recipients
      CXTHRT: 'policy',
      CXMJ: 'policy',
      ...BLOCKED_BY_LIST,
      URLBL011: 'spam-content',
      URLBL101: 'spam-content',
      URLBL110: 'spam-content',
      URLBL1001: 'spam-content',
    },
  },
  France: {
    pattern: /\b(?:lpn|lpnaaa|ofr|ouk)[a-z]*\d*[_-](\d{3})\b/i,
    reasons: {
      '101': 'blocked',
      '102': 'blocked',
      '103': 'blocked',
      '104': 'blocked', // too many connections
      '305': 'policy',
      '401': 'auth',
      '402': 'policy',
      '403': 'policy',
      '405': 'policy',
      '415': 'policy',
      '416': 'user-unknown',
      '417': 'mailbox-full',
      '420': 'suspended',
      '421': 'policy',
      '426': 'suspended',
      '505': 'system',
      '506': 'spam-content',
      '510': 'blocked',
      '514': 'message-too-big',
      '517': 'auth',
      '630': 'policy',
      '999': 'blocked',
    },
  },
  GoDaddy: {
    pattern: /\b(IB\d{3})\b/,
    reasons: {
      IB401: 'policy',
      IB501: 'spam-content',
      IB502: 'spam-content',
      IB506: 'policy',
      IB508: 'auth',
      IB108: 'blocked',
      IB212: 'spam-content',
      IB705: 'spam-content',
      IB605: 'blocked',
      IB007: 'blocked',
      IB101: 'blocked',
      IB110: 'blocked',
      IB111: 'blocked',
      IB112: 'blocked',
      IB113: 'blocked',
      IB504: 'blocked',
      IB510: 'blocked',
      IB607: 'blocked',
      IB103: 'blocked',
      IB104: 'blocked',
      IB105: 'blocked',
      IB106: 'blocked',
    },
  },
  Facebook: {
    pattern: /\b([A-Z]{3}-[PT]\d)\b/,
    reasons: {
      'POL-P1': 'blocked',
      'POL-P2': 'blocked',
      'POL-P3': 'blocked',
      'POL-P4': 'blocked',
      'POL-T1': 'blocked',
      'POL-T2': 'blocked',
      'POL-T3': 'blocked',
      'POL-P5': 'spam-content', // a virus
      'POL-P6': 'spam-content',
      'POL-P7': 'auth',
      'MSG-P1': 'message-too-big',
      'INT-P2': 'message-too-big',
      'MSG-P2': 'spam-content',
      'MSG-P3': 'spam-content',
      'MSG-T1': 'blocked',
      'RCP-P1': 'user-unknown',
      'INT-P1': 'user-unknown',
      'INT-P3': 'user-unknown',
      'INT-P4': 'user-unknown',
      'RCP-P2': 'policy',
      'RCP-P3': 'policy',
      'RCP-T1': 'system',
      'RCP-T4': 'suspended',
      'DNS-P1': 'policy',
      'DNS-P2': 'policy',
      'DNS-T1': 'policy',
      'DNS-P3': 'blocked',
      'DNS-T2': 'blocked',
      'CON-T1': 'blocked',
      'CON-T2': 'blocked',
      'CON-T3': 'blocked',
      'CON-T4': 'blocked',
    },
  },
  IUA: {
    pattern: /\.i\.ua\/err\/(\d+)\//,
    reasons: {
      '1': 'relay-denied',
      '2': 'user-unknown',
      '3': 'suspended',
      '4': 'mailbox-full',
      '5': 'blocked',
      '6': 'relay-denied',
      '7': 'blocked',
      '8': 'policy',
      '9': 'blocked',
      '10': 'policy',
    },
  },
  Spectrum: {
    pattern: /AUP#\D{0,4}(\d{4})/,
    reasons: numbered([
      [1000, 1000, 'blocked'],
      [1010, 1080, 'policy'],
      [1090, 1090, 'system'],
      [1100, 1150, 'blocked'], // reverse DNS
      [1160, 1190, 'policy'],
      [1200, 1250, 'blocked'],
      [1260, 1260, 'network'],
      [1300, 1490, 'blocked'], // connections, rates
      [1500, 1520, 'policy'],
      [1530, 1530, 'message-too-big'],
      [1540, 1550, 'blocked'],
      [1560, 1560, 'policy'],
      [1580, 1580, 'blocked'],
    ]),
  },
};

const TABLE: Provider[] = [
  {
    // Email Routing answers 4.3.0 "Upstream error" when the mailbox it forwards to fails.
    name: 'Cloudflare Email Routing',
    hosts: ['.mx.cloudflare.net'],
    says: { blocked: ['found on one or more dnsbls'], system: ['upstream error'] },
  },
  {
    name: 'Zoho Mail',
    hosts: ['.zoho.com', '.zoho.eu', '.zohomail.com'],
    says: {
      auth: ['email rejected per dmarc policy'],
      blocked: ['greylisted, try again after some time'],
      // A sender Zoho does not want: its spam verdict refuses the sender, not the content.
      policy: [
        'email cannot be delivered. reason: email flagged as spam',
        'mail rejected by destination domain',
        'email policy violation detected',
        'mailbox delivery restricted by policy error',
      ],
      'spam-content': [' detected by zoho mail'],
      system: ['temporary system error'],
      'user-unknown': ['user does not exist'],
    },
  },
  {
    name: 'AOL',
    hosts: ['.mail.aol.com', '.mx.aol.com'],
    says: {
      'host-unknown': [
        'host or domain name not found',
        'type=mx: malformed or unexpected name server reply',
      ],
    },
  },
  {
    name: 'Apple iCloud',
    hosts: ['.mail.icloud.com', '.apple.com', '.me.com'],
    says: {
      auth: ['blocked for failing both spf and dkim autentication checks', 's dmarc policy'],
      blocked: [
        'blocked - see https://support.proofpoint.com/dnsbl-lookup',
        'due to excessive volume',
        'not accepting connections',
        'rejected due to having a domain present in the spamhaus',
        'rejected due to listing in spamhaus',
      ],
      'host-unknown': ['host/domain does not accept mail'],
      'mailbox-full': ['user is over quota'],
      moved: ['recipient no longer on server'],
      policy: ['due to local policy', 'sender address rejected'],
      'relay-denied': ['relay access denied'],
      'user-unknown': ['inactive email address', 'unknown or illegal alias', 'user does not exist'],
    },
  },
  {
    name: 'Cox',
    hosts: ['cox.net'],
    says: {
      blocked: [
        'cox too many bad commands from',
        'dns check failure - try again later',
        'message threshold exceeded',
        'rejected - no rdns',
        'requested action aborted: try again later',
        'too many invalid recipients',
        'too many sessions from',
      ],
      policy: [
        'attachment extension is forbidden',
        'esmtp no data before greeting',
        'sender rejected',
      ],
      system: ['esmtp server temporarily not available'],
      'user-unknown': ['recipient rejected'],
    },
  },
  {
    name: 'Facebook',
    hosts: ['.facebook.com'],
  },
  {
    name: 'Orange, La Poste (France)',
    hosts: ['.laposte.net', '.orange.fr', '.wanadoo.fr'],
    says: {
      auth: ['spf/dns de votre nom de domaine'],
    },
  },
  {
    name: 'GoDaddy',
    hosts: ['smtp.secureserver.net', 'mailstore1.secureserver.net'],
    says: {
      blocked: ['rbl reject', 'www.spamhaus.org/query/bl?ip='],
      expired: ['delivery timeout', 'has been in the queue too long'],
      'mailbox-full': ['account storage limit'],
      'spam-content': ['message rejected for spam or virus content'],
      suspended: ['account disabled'],
      system: ['message is looping'],
      'user-unknown': ['account does not exist', 'recipient not found'],
    },
  },
  {
    name: 'Google (Gmail)',
    hosts: ['aspmx.l.google.com', 'gmail-smtp-in.l.google.com'],
    says: {
      auth: [
        ['5.1', 'starttls may not be repeated'],
        ['7.0', 'must issue a starttls command first'],
        ['7.0', 'tls required for rcpt domain'],
        ['7.1', 'fails to pass authentication checks'],
        ['7.24', 'the spf record of the sending domain'],
        ['7.26', 'fails to pass authentication checks'],
        ['7.26', 'fails to pass spf checks for an spf record with a hard fail'],
        ['7.26', 'has an spf record with a hard fail policy'],
        ['7.26', "is not accepted due to domain's dmarc policy"],
        ['7.26', 'senders to authenticate with either spf or dkim'],
        ['7.27', 'senders to authenticate their email with spf'],
        ['7.27', 'senders to authenticate with spf'],
        ['7.29', 'senders to use tls/ssl for smtp'],
        ['7.30', 'senders to authenticate their email with dkim'],
        ['7.30', 'senders to authenticate with dkim'],
        ['7.32', 'aligned with either the authenticated spf or dkim'],
      ],
      blocked: [
        ['2.1', 'is receiving mail too quickly'],
        ['2.1', 'peak smtp relay limit exceeded for customer'],
        ['2.1', 'rate that prevents additional messages from being delivered'],
        ['4.5', 'daily sending quota exceeded'],
        ['4.5', 'daily smtp relay limit exceeded for'],
        ['4.5', 'daily user sending limit exceeded'],
        ['5.3', 'too many recipients for this sender'],
        ['5.3', 'your message has too many recipients'],
        ['5.4', 'empty helo/ehlo argument not allowed'],
        ['5.4', 'helo/ehlo argument is invalid'],
        ['7.0', 'an unusual rate of unsolicited mail'],
        ['7.0', 'does not have a ptr record'],
        ['7.0', 'ip not in whitelist for rcpt domain'],
        ['7.0', 'try again later, closing connection.'],
        ['7.0', 'very low reputation of the sending domain'],
        ['7.0', 'very low reputation of the sending ip address'],
        ['7.1', 'an unusual rate of unsolicited mail'],
        ['7.1', 'daily smtp relay limit exceeded for'],
        ['7.1', 'daily smtp relay sending limit exceeded for'],
        ['7.1', 'does not meet ipv6 sending guidelines regarding ptr records and authentication'],
        ['7.1', 'due to the very low reputation of the sending domain'],
        ['7.1', 'due to the very low reputation of the sending ip address'],
        ['7.1', 'this mail has been rate limited'],
        ['7.23', ' have a ptr record, or the ptr record'],
        ['7.25', 'does not have a ptr record'],
        ['7.25', 'does not match the ip address of the hostname'],
        ['7.28', 'an unusual rate of mail'],
        ['7.28', 'an unusual rate of unsolicited mail'],
      ],
      expired: [
        ['4.2', 'timeout - closing connection'],
        ['7.0', 'connection expired'],
      ],
      'mailbox-full': [
        ['2.2', 'inbox is out of storage space'],
        ['2.2', 'inbox is out of storage space and inactive'],
        ['2.2', 'is over quota'],
        ['7.1', 'email quota exceeded'],
      ],
      'message-too-big': [
        ['2.3', "exceeded google's message size limits"],
        ['3.4', 'bytes per individual header size'],
        ['3.4', "exceeded google's message size limits"],
        ['3.4', "exceeds google's header name limit of"],
        ['3.4', "exceeds google's limit of limit attachments."],
        ['3.4', "exceeds google's message header size limit"],
        ['3.4', "exceeds google's message size limit of"],
        ['3.4', "your message exceeded google's message header size limits"],
      ],
      network: [
        ['4.6', 'message exceeded 50 hops'],
        ['6.0', 'message exceeded 50 hops'],
      ],
      policy: [
        ['5.1', 'authentication required.'],
        ['5.2', 'cannot decode response'],
        ['7.0', 'authentication required.'],
        ['7.0', 'blocked because its content presents a potential security issue'],
        ['7.0', 'illegal attachment on your message'],
        ['7.0', 'mail sending denied'],
        ['7.0', 'no identity changes permitted'],
        ['7.0', 'too many login attempts'],
        ['7.1', 'application-specific password required'],
        ['7.1', 'please log in with your web browser'],
        ['7.1', 'unauthenticated email is not accepted'],
        ['7.1', 'username and password not accepted'],
        ['7.1', 'you are sending to (or from) has a policy that prohibited'],
        ['7.14', 'please log in through your web browser'],
        ['7.28', 'sending messages with the same message-id:'],
        ['7.8', 'username and password not accepted'],
        ['7.9', 'application-specific password required'],
        ['7.9', 'please log in with your web browser'],
      ],
      'relay-denied': [
        ['7.0', 'mail relay denied'],
        ['7.1', 'invalid credentials for relay'],
        ['7.1', 'is not authorized to send email directly to our servers'],
      ],
      'spam-content': [
        ['1.7', 'is not a valid rfc 5321 address'],
        ['6.0', 'mail message is malformed'],
        ['7.0', 'due to the nature of the content or the links within'],
        ['7.1', 'contains a unicode character in a disallowed header'],
        ['7.1', 'encoded-word syntax is not permitted'],
        ['7.1', 'is not rfc 5322 compliant'],
        ['7.1', 'likely unsolicited mail'],
        ['7.1', 'missing a valid address in the from: header'],
        ['7.1', 'missing a valid message-id: header'],
        ['7.1', 'multiple addresses in from: header are not accepted'],
      ],
      suspended: [
        ['2.1', 'account that you tried to reach is disabled'],
        ['2.1', 'account that you tried to reach is inactive'],
      ],
      syntax: [
        ['5.0', 'smtp protocol violation'],
        ['5.1', 'bad sequence of commands'],
        ['5.1', 'ehlo/helo first'],
        ['5.1', 'mail first'],
        ['5.1', 'no data after bdat'],
        ['5.1', 'rcpt first'],
        ['5.1', 'too many unrecognized commands, goodbye'],
        ['5.1', 'unimplemented command'],
        ['5.1', 'unrecognized command'],
        ['5.2', 'syntax error'],
        ['5.4', 'optional argument not permitted'],
        ['7.0', 'too many unauthenticated commands'],
        ['7.10', 'smtp protocol violation'],
        ['7.11', 'syntax error'],
        ['7.4', 'unrecognized authentication type'],
        ['7.4', 'xoauth is no longer supported'],
      ],
      system: [
        ['3.0', 'mail server has temporarily rejected this message'],
        ['3.0', 'mail server temporarily rejected message'],
        ['3.0', 'multiple destination domains per transaction is unsupported'],
        ['3.0', 'temporary system problem'],
        ['4.5', 'server busy'],
        ['5.3', 'domain policy size per transaction exceeded'],
        ['7.0', 'cannot authenticate due to temporary system problem'],
        ['7.0', 'temporary system problem'],
      ],
      'user-unknown': [
        ['1.1', 'the email account that you tried to reach does not exist'],
        ['1.2', "we weren't able to find the recipient domain"],
        ['1.3', 'is not a valid rfc 5321 address'],
      ],
    },
  },
  {
    name: 'Google Workspace',
    hosts: ['googlemail.com'],
    says: {
      'host-unknown': [' responded with code nxdomain', 'domain name not found', 'null mx'],
      'user-unknown': [
        "because the address couldn't be found. check for typos or unnecessary spaces and try again.",
      ],
    },
  },
  {
    name: 'I.UA',
    hosts: ['.email.ua'],
  },
  {
    name: 'KDDI au',
    hosts: ['.ezweb.ne.jp', 'msmx.au.com'],
    says: {
      policy: ['550 : user unknown'],
      'user-unknown': ['>: user unknown'],
    },
  },
  {
    name: 'Broadcom MessageLabs',
    hosts: ['.messagelabs.com'],
    says: {
      auth: ['domain authentication fail', 'tls/sslv3 connection required'],
      blocked: [
        'connection rejected by policy', // a poor reputation of the sending IP
        'mail rejected because your ip is in the pbl',
        'your ip address has been ',
        'too many recipients received this hour',
        'too many messages',
      ],
      policy: [
        'please turn on smtp authentication in your mail client',
        'sender envelope domain not allowed for sender ip address',
        'your domain has been blocked',
        'your email address has been blocked',
        'your envelope sender is in my badmailfrom list',
        'your email address has been blacklisted',
        'your domain has been blacklisted',
      ],
      'relay-denied': [' as a relay, '],
      'spam-content': [
        'stray linefeeds in message',
        '550 requested action aborted [4]',
        'has detected that this message is not rfc 5322',
        'message filtered',
        'filtered by outbound scanning',
      ],
      'user-unknown': [
        '542 ',
        'no such user',
        'invalid recipient',
        'recipient mailbox is not allowed',
        'mailbox is not allowed',
      ],
    },
  },
  {
    name: 'Microsoft (Exchange Online)',
    hosts: [
      '.prod.outlook.com',
      '.protection.outlook.com',
      '.onmicrosoft.com',
      '.exchangelabs.com',
    ],
    says: {
      auth: [
        ['4.317', 'starttls is required to send mail'],
        ['4.8', ' failed\u202fmta-sts\u202fvalidation'],
        ['7.23', 'the message was rejected because of sender policy framework violation'],
        ['7.26', 'must pass either spf or dkim validation, this message is not signed'],
        [
          '7.321',
          'starttls-not-supported: destination mail server must support tls to receive mail',
        ],
        ['7.322', "certificate-expired: destination mail server's certificate is expired"],
        ['7.323', 'tlsa-invalid: the domain failed dane validation'],
        ['7.324', 'dnssec-invalid: destination domain returned invalid dnssec records'],
        ['7.5', 'remote\u202fcertificate\u202ffailed\u202fmta-sts\u202fvalidation'],
        ['7.509', 'does not pass dmarc verification'],
        ['7.51', 'restrictdomainstoipaddresses or restrictdomainstocertificate'],
      ],
      blocked: [
        [
          '1.90',
          "your message can't be sent because you've reached your daily limit for message recipients",
        ],
        ['2.121', "recipient's per hour message receive limit from specific sender exceeded"],
        ['2.122', "recipient's per hour message receive limit exceeded"],
        ['2.122', 'the recipient has exceeded their limit for'],
        ['2.2', 'submission quota exceeded'],
        ['3.2', 'storedrv.deliver; recipient thread limit exceeded'],
        ['4.2', 'connection dropped'],
        ['5.3', 'too many recipients'],
        ['5.4', 'invalid domain name'],
        ['7.1', 'part of their network is on our block list (s3150)'],
        ['7.25', 'must have a reverse dns record'],
        ['7.500-699', 'access denied, please try again later'],
        ['7.506', 'access denied, bad helo'],
        ['7.507', 'access denied, rejected by recipient'],
        ['7.508', 'has exceeded permitted limits within'],
        ['7.510', 'does not accept email over ipv6'],
        ['7.511', 'access denied, banned sender'],
        ['7.513', 'using customer block list'],
        ['7.606-649', 'access denied, banned sending ip '],
        ['7.650', 'has been temporarily rate limited due to ip reputation'],
        ['7.652', 'has exceeded the maximum number of connections'],
        ['7.700-749', 'access denied, tenant has exceeded threshold'],
        ['7.700-749', 'access denied, traffic not accepted from this ip'],
        ['7.850-899', 'access denied, please try again later'],
      ],
      expired: [
        ['4.1', 'connection timed out'],
        ['4.300', 'message expired'],
        ['4.316', 'message expired'],
        ['4.7', 'message delayed'],
        ['4.7', 'message expired'],
        ['4.7', 'queue expired; message expired'],
      ],
      'host-unknown': [
        ['3.2', 'storedrv.deliver: missing or bad storedriver mdb properties'],
        ['3.2', 'system not accepting network messages'],
        ['4.4', 'hosted tenant which has no mail-enabled subscriptions'],
      ],
      'mailbox-full': [['2.2', 'mailbox full']],
      'message-too-big': [
        ['2.3', 'resolver.rst.recipsizelimit; message too large for this recipient'],
        ['3.4', 'message size exceeds fixed maximum message size'],
        ['3.4', 'message too big for system'],
      ],
      network: [
        ['4.14', 'routing loop detected'],
        ['4.312', 'dns query failed'],
        ['4.316', 'connection refused'],
        ['4.4', 'invalid arguments'],
        ['4.4', 'smtpsend.dns.nonexistentdomain; nonexistent domain'],
        ['4.6', 'hop count exceeded - possible mail loop'],
        ['4.6', 'routing loop detected'],
      ],
      policy: [
        ['0.350', 'requested action not taken: policy violation detected (as345)'],
        ['0.350', 'x-dg-ref header is too long'],
        ['1.0', 'sender denied'],
        ['1.7', 'invalid address'],
        ['1.7', 'unknown sender address'],
        ['1.8', 'access denied, bad outbound sender'],
        ['7.1', 'client was not authenticated'],
        ['7.1', 'delivery not authorized'],
        ['7.12', 'sender was not authenticated by organization'],
        ['7.124', 'sender not in allowed-senders list'],
        ['7.13', 'sender was not authenticated for public folder'],
        ['7.133', 'sender not authenticated for group'],
        ['7.134', 'sender was not authenticated for mailbox'],
        ['7.135', 'sender was not authenticated for public folder'],
        ['7.136', 'sender was not authenticated'],
        ['7.3', 'cannot achieve exchange server authentication'],
        ['7.3', 'not authorized'],
        ['7.501-503', 'access denied, banned sender'],
        ['7.501-503', 'access denied, spam abuse detected'],
        ['7.512', 'access denied, message must be rfc 5322 section 3.6.2 compliant'],
        ['7.57', 'client was not authenticated to send anonymous mail during mail from'],
        ['7.750', 'service unavailable. client blocked from sending from unregistered domains'],
        ['7.900-999', 'delivery not authorized, message refused'],
      ],
      'relay-denied': [
        ['4.1', 'relay access denied'],
        ['4.310', 'does not exist'],
        ['7.1', 'client was not authenticated'],
        ['7.1', 'unable to relay'],
        ['7.64', 'tenantattribution; relay access denied'],
      ],
      'spam-content': [
        ['2.1', 'content filter agent quarantined this message'],
        ['3.0', 'too many related errors'],
        ['4.11', 'agent generated message depth exceeded'],
        ['5.6', 'invalid message content'],
        ['6.11', 'invalid characters'],
      ],
      suspended: [
        ['2.1', 'mailbox cannot be accessed'],
        ['7.504', 'recipient address rejected: access denied'],
        ['7.505', 'access denied, banned recipient'],
      ],
      syntax: [
        ['3.3', 'unrecognized command'],
        ['5.2', 'send hello first'],
      ],
      system: [
        ['0.0', 'helo / ehlo requires domain address'],
        ['1.4', 'destination mailbox address ambiguous'],
        ['2.14', 'misconfigured forwarding address'],
        ['2.4', 'mailing list expansion problem'],
        ['3.1', 'insufficient system resources'],
        [
          '3.190',
          'journaling on-premises messages to microsoft 365 or office 365 not supported when journaling archive is disabled',
        ],
        ['3.2', 'service not active'],
        ['3.2', 'service not available'],
        ['3.5', 'system incorrectly configured'],
        ['4.24', 'message failed to be replicated: insufficient system resource:'],
        [
          '4.25',
          'message failed to be replicated: no healthy secondary server available to accept replica at this time.',
        ],
        ['4.28', 'message failed to be replicated: the operation was canceled'],
        ['4.3', 'temporary server error. please try again later attr18'],
        ['4.318', '(suspiciousremoteservererror)'],
        ['7.0', 'temporary server error. please try again later. prx4 nexthop:'],
        ['7.500', 'server busy. please try again later from '],
        ['7.700', 'pfa agent busy, please try again.'],
      ],
      'user-unknown': [
        ['1.1', 'bad destination mailbox address'],
        ['1.1', 'resolver.adr.exrecipnotfound; not found'],
        ['1.1', 'user unknown'],
        ['1.10', 'recipient not found'],
        ['1.2', 'invalid x.400 address'],
        ['1.3', 'storedrv.submit; invalid recipient address'],
        ['1.351', 'remote server returned unknown recipient or mailbox unavailable'],
        ['1.4-5', 'recipient address reserved by rfc 2606'],
        ['1.6', 'recipient addresses in single label domains not accepted'],
        ['4.1', 'recipient address rejected: access denied'],
        ['5.0', 'requested action not taken: mailbox unavailable'],
      ],
    },
  },
  {
    name: 'Mimecast',
    hosts: ['.mimecast.com'],
    says: {
      auth: [
        'configuration is invalid for this certificate',
        'dkim sender invalid - envelope rejected',
        'dmarc sender invalid - envelope rejected',
        'spf sender invalid - envelope rejected',
        'this route requires encryption (tls)',
        'this route requires high-strength ciphers',
        'this route requires tls version 1.2 or greater',
      ],
      blocked: [
        'account service is temporarily unavailable',
        'exceeding outbound thread limit',
        'internal resources are temporarily unavailable',
        'ip temporarily blacklisted',
        'local ct ip reputation - (reject)',
        'recipient temporarily unavailable',
        'sender address blocked',
        'too many recipients',
      ],
      expired: ['journal messages past the expiration'],
      'host-unknown': ['account inbounds disabled'],
      'message-too-big': ['maximum email size exceeded'],
      network: ['mail loop detected', 'the incorrect hostname used for inbounds'],
      policy: [
        'administrative prohibition envelope blocked',
        'anti-spoofing policy - inbound not allowed',
        'envelope blocked - user domain entry',
        'envelope blocked - user entry',
        'envelope rejected - block policy for envelope from address',
        'host network not allowed',
        'host network, not allowed',
        'incorrect authentication data',
        'message bounced due to content examination policy',
        'rejected by header-based anti-spoofing policy',
        'rejected by header-based blocked senders - block policy for header from',
        'rejected by header-based manually blocked senders - block for manual block',
        'submitter failed to authenticate',
        'submitter failed to disabled',
      ],
      'relay-denied': ['open relay is not allowed', 'open relay not allowed'],
      'spam-content': ['email rejected due to security policies'],
      system: [
        'message ended early',
        'unable to process an email at this time',
        'unable to process command',
        'unable to process connection at this time',
      ],
      'user-unknown': ['invalid address', 'invalid recipient', 'user unknown'],
    },
  },
  {
    name: 'NTT docomo',
    hosts: ['mfsmax.docomo.ne.jp'],
    says: {
      blocked: ['552 too many recipients'],
      'mailbox-full': ['552 too much mail data'],
      syntax: ['503 bad sequence of commands', '504 command parameter not implemented'],
    },
  },
  {
    name: 'Outlook.com, Hotmail',
    hosts: ['.hotmail.com'],
    says: {
      'host-unknown': [
        'the mail could not be delivered to the recipient because the domain is not reachable',
      ],
      'user-unknown': ['requested action not taken: mailbox unavailable'],
    },
  },
  {
    name: 'Spectrum (Charter)',
    hosts: ['charter.net'],
  },
  {
    name: 'Tencent QQ',
    hosts: ['.qq.com'],
    says: {
      auth: ['dmarc check failed', 'spf check failed'],
      blocked: [
        'connection denied',
        'connection frequency limited',
        'domain frequency limited',
        'ip frequency limited',
        'mailbox unavailable or access denined',
        'frequency of receiving messages is limited',
        'sender frequency limited',
        'suspected bounce attacks',
        'suspected spam ip',
      ],
      'message-too-big': ['message too large'],
      policy: ['mail is rejected by recipients', 'suspected spam'],
      'spam-content': ['mail content denied', 'spam is embedded in the email'],
      suspended: ['is a deactivated mailbox'],
      syntax: ['bad address syntax'],
      'user-unknown': ['mailbox not found'],
    },
  },
  {
    name: 'Yahoo',
    hosts: ['.yahoodns.net'],
    says: {
      auth: ['yahoo requires all senders to authenticate with either spf or dkim'],
      blocked: [
        " because the ip is in spamhaus's list;",
        'max message per connection reached',
        'not accepted from ip addresses on spamhaus xbl',
        'user is receiving mail too quickly',
      ],
      policy: [
        ' will be permanently deferred',
        'due to unresolvable rfc.5321 domain',
        'not accepted for policy reasons',
        'temporarily deferred due to unexpected volume or user complaints',
      ],
      'relay-denied': ['relaying denied for '],
      'spam-content': ['headers are not rfc compliant'],
      suspended: [' is no longer valid.', 'this mailbox is disabled'],
      syntax: ['syntax error in parameters or arguments'],
      'user-unknown': ["dd this user doesn't have a ", 'mailbox not found'],
    },
  },
];

const CODES_OF: Record<string, keyof typeof CODES> = {
  Cox: 'Cox',
  'Orange, La Poste (France)': 'France',
  GoDaddy: 'GoDaddy',
  Facebook: 'Facebook',
  'I.UA': 'IUA',
  'Spectrum (Charter)': 'Spectrum',
};

export const PROVIDERS: Provider[] = TABLE.map((p) => {
  const codes = CODES_OF[p.name];
  return codes ? { ...p, codes: CODES[codes] } : p;
});

/**
 * The provider behind a bounce: first by the recipient's domain (a domain the provider's hosts
 * belong to), then by the host names of the servers that answered.
 */
export function providerOf(domain: string | null, hosts: string[]): Provider | null {
  if (domain) {
    const found = PROVIDERS.find((p) =>
      p.hosts.some((h) => h.replace(/^\./, '') === domain || h.endsWith(`.${domain}`)),
    );
    if (found) return found;
  }
  for (const host of hosts) {
    const found = PROVIDERS.find((p) =>
      p.hosts.some((h) => {
        const bare = h.replace(/^\./, '');
        return host === bare || host.endsWith(`.${bare}`);
      }),
    );
    if (found) return found;
  }
  return null;
}

/** Whether a status code such as 5.7.606 fits "7.606", "7.500-699" (any class). */
function fits(pattern: string, status: string | null): boolean {
  if (!status) return false;
  const [subject, detail] = status.split('.').slice(1).map(Number) as [number, number];
  const [wantSubject, range] = pattern.split('.') as [string, string];
  const [from, to] = range.split('-').map(Number) as [number, number | undefined];
  return subject === Number(wantSubject) && detail >= from && detail <= (to ?? from);
}

/** What the provider's own code or wording in a reply means, if it is one they document. */
export function providerReason(
  provider: Provider,
  reply: string,
  status: string | null,
): BounceReason | null {
  const code = provider.codes?.pattern.exec(reply)?.[1];
  if (code) {
    const reason = provider.codes!.reasons[code] ?? provider.codes!.reasons[code.toUpperCase()];
    if (reason) return reason;
  }
  // The longest phrase that fits is the most specific one.
  const text = reply.toLowerCase().replace(/\s+/g, ' ');
  let best: { reason: BounceReason; length: number } | null = null;
  for (const [reason, phrases] of Object.entries(provider.says ?? {})) {
    for (const p of phrases) {
      const [when, phrase] = typeof p === 'string' ? [null, p] : p;
      if (!text.includes(phrase) || (when && !fits(when, status))) continue;
      if (!best || phrase.length > best.length) {
        best = { reason: reason as BounceReason, length: phrase.length };
      }
    }
  }
  return best?.reason ?? null;
}
